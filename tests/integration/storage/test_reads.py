"""The reads of the later phases over one small hand-built scan: site, stats, report."""

from __future__ import annotations

import pytest
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result

from siteaudit.model import (
    Category,
    CategoryScore,
    Finding,
    RedirectHop,
    ScanSpec,
    Scores,
    Severity,
)
from siteaudit.model.report import CheckInfo
from siteaudit.pipeline.ports import LinkRecord
from siteaudit.storage import SqlScanStore, scores_to_json
from siteaudit.storage.codec import scores_from_json

ABOUT, GONE, LOGO, SLOW = HOME + "about", HOME + "gone", HOME + "logo.png", HOME + "slow"
LISTED, QUEUED = HOME + "listed", HOME + "queued"


def _http_status(url: str, locator: str = "") -> Finding:
    return make_finding(
        url,
        check_id="http-status",
        category=Category.HTTP,
        severity=Severity.CRITICAL,
        locator=locator,
    )


@pytest.fixture
def scan_id(store: SqlScanStore) -> int:
    """Seven URLs: three HTML pages, a 404, an image, a timeout and one never fetched."""
    scan_id = store.create_scan(ScanSpec(HOME))
    hop = RedirectHop("http://shop.example/", 301, HOME)
    store.save_pages(
        scan_id,
        [
            make_result(make_page(redirects=(hop,)), not_applicable=("hsts",), found_via="start"),
            make_result(
                make_page(ABOUT, title=None, depth=1),
                make_finding(ABOUT),
                not_applicable=("hsts", "image-alt"),
            ),
            make_result(
                make_page(GONE, status=404, is_html=False, content_type="text/plain", depth=1),
                _http_status(GONE, "a"),
                _http_status(GONE, "b"),
            ),
            make_result(make_page(LOGO, is_html=False, content_type="image/png", depth=1)),
        ],
    )
    store.save_pages(
        scan_id,
        [
            make_result(
                make_page(SLOW, status=None, is_html=False, error_code="timeout", depth=2),
                _http_status(SLOW),
            ),
            make_result(
                make_page(LISTED, depth=1, canonicals=(HOME, HOME), meta_robots=("noindex",)),
                not_applicable=("image-alt",),
                found_via="sitemap",
            ),
            make_result(make_page(QUEUED, status=None, is_html=False, depth=3)),
        ],
    )
    store.save_links(
        scan_id,
        [
            LinkRecord(HOME, ABOUT),
            LinkRecord(HOME, GONE),
            LinkRecord(HOME, LOGO),
            LinkRecord(HOME, "https://elsewhere.example/", internal=False),
            LinkRecord(ABOUT, HOME),
            LinkRecord(ABOUT, GONE),
            LinkRecord(ABOUT, ABOUT),
            LinkRecord(ABOUT, SLOW, rel=("nofollow",)),
        ],
    )
    orphan = make_finding(
        LISTED, check_id="orphan-page", category=Category.LINKS, severity=Severity.LOW
    )
    store.save_site_findings(scan_id, [orphan])
    return scan_id


def test_check_stats_count_applicable_pages_and_failures_per_check(
    store: SqlScanStore, scan_id: int
) -> None:
    stats = store.check_stats(scan_id)
    assert (stats.html_pages, stats.response_pages) == (3, 6)
    assert stats.not_applicable == {"hsts": 2, "image-alt": 2}
    assert stats.failing_pages == {"title": 1, "http-status": 2, "orphan-page": 1}
    assert stats.findings == {"title": 1, "http-status": 3, "orphan-page": 1}


def test_load_site_has_every_page_and_only_internal_links(
    store: SqlScanStore, scan_id: int
) -> None:
    site = store.load_site(scan_id)
    assert site.start_url == HOME
    assert len(site.pages) == 7
    assert len(site.links) == 7
    assert [link.target for link in site.links if link.nofollow] == [SLOW]
    assert site.sitemap_urls == frozenset({LISTED})
    listed = site.page_index()[LISTED]
    assert (listed.canonical, listed.noindex, listed.is_html) == (HOME, True, True)
    slow = site.page_index()[SLOW]
    assert (slow.is_broken, slow.error_code) == (True, "timeout")


def test_report_counts_distinct_internal_inlinks_without_self_links(
    store: SqlScanStore, scan_id: int
) -> None:
    pages = {page.url: page for page in store.load_report(scan_id).pages}
    inlinks = {url: page.inlinks for url, page in pages.items()}
    assert inlinks == {HOME: 1, ABOUT: 1, GONE: 2, LOGO: 1, SLOW: 1, LISTED: 0, QUEUED: 0}
    assert pages[HOME].redirects == (RedirectHop("http://shop.example/", 301, HOME),)
    assert (pages[HOME].found_via, pages[LISTED].found_via) == ("start", "sitemap")


def test_report_lists_findings_by_severity_then_check_then_url(
    store: SqlScanStore, scan_id: int
) -> None:
    found = store.load_report(scan_id).findings
    assert [(f.check_id, f.url, f.locator) for f in found] == [
        ("http-status", GONE, "a"),
        ("http-status", GONE, "b"),
        ("http-status", SLOW, ""),
        ("title", ABOUT, ""),
        ("orphan-page", LISTED, ""),
    ]


def test_report_carries_saved_scores_and_the_given_check_metadata(
    store: SqlScanStore, scan_id: int
) -> None:
    scores = Scores(site=81.5, categories=(CategoryScore(Category.HTTP, 60.0, 1, 1, 3),))
    store.save_scores(scan_id, scores_to_json(scores))
    info = CheckInfo("title", Category.ON_PAGE, Severity.HIGH, "t", "ft", "why", "fix")
    report = store.load_report(scan_id, checks={"title": info})
    assert report.scores == scores
    assert report.checks == {"title": info}
    assert store.load_report(scan_id).checks == {}


def test_a_scan_without_scores_reports_none() -> None:
    assert scores_from_json(None) == Scores(site=None, categories=())
