from dataclasses import replace
from datetime import UTC, datetime

import pytest

from siteaudit.checks.base import Docs, site_check
from siteaudit.checks.catalogue import Catalogue, load_catalogue
from siteaudit.checks.scoring import CheckTally, score
from siteaudit.model import Category, ScanStatus, Severity
from siteaudit.model.report import (
    EXTERNAL_LINKS,
    RESOURCES,
    SITE_CHECK_ERRORS,
    ScanInfo,
    crashed_site_checks,
    missing_inputs,
)
from siteaudit.pipeline.aggregation import aggregate
from siteaudit.pipeline.aggregation import tally as tally_checks
from siteaudit.pipeline.ports import CheckStats


def tally(
    check_id: str, category: Category, severity: Severity, applicable: int, failing: int
) -> CheckTally:
    return CheckTally(check_id, category, severity, applicable, failing, failing)


def test_a_site_with_no_failures_scores_100() -> None:
    scores = score([tally("a", Category.ON_PAGE, Severity.HIGH, 10, 0)])
    assert scores.site == 100.0


def test_category_score_is_the_severity_weighted_pass_rate() -> None:
    scores = score(
        [
            tally("a", Category.ON_PAGE, Severity.HIGH, 10, 5),  # weight 5, rate 0.5
            tally("b", Category.ON_PAGE, Severity.LOW, 10, 0),  # weight 1, rate 1.0
        ]
    )
    on_page = scores.for_category(Category.ON_PAGE)
    assert on_page is not None
    assert on_page.score == pytest.approx(100 * (5 * 0.5 + 1 * 1.0) / 6, abs=0.05)


def test_a_score_with_any_failure_is_below_100_however_it_rounds() -> None:
    scores = score(
        [
            tally("a", Category.HTTP, Severity.HIGH, 10_000, 1),  # 99.99% pass
            tally("b", Category.HTTP, Severity.MEDIUM, 10_000, 0),
        ]
    )
    assert scores.for_category(Category.HTTP).score == 99.9  # type: ignore[union-attr]
    assert scores.site == 99.9
    perfect = score([tally("a", Category.HTTP, Severity.HIGH, 10_000, 0)])
    assert perfect.site == 100.0


def test_checks_that_applied_nowhere_are_not_scored() -> None:
    scores = score([tally("a", Category.SECURITY, Severity.HIGH, 0, 0)])
    security = scores.for_category(Category.SECURITY)
    assert security is not None and security.score is None
    assert scores.site is None


def test_site_score_weights_categories() -> None:
    scores = score(
        [
            tally("a", Category.HTTP, Severity.HIGH, 10, 10),  # 0, weight 3
            tally("b", Category.AI_READINESS, Severity.HIGH, 10, 0),  # 100, weight 0.5
        ]
    )
    assert scores.site == pytest.approx(100 * 0.5 / 3.5, abs=0.05)


def test_a_check_needing_what_the_scan_did_not_gather_applies_nowhere() -> None:
    needs = next(c for c in load_catalogue().checks if c.id == "external-link-broken")
    plain = next(c for c in load_catalogue().checks if c.id == "broken-link")
    catalogue = Catalogue((needs, plain))
    stats = CheckStats(html_pages=10, response_pages=12, failing_pages={"broken-link": 2})
    gathered = {t.check_id: t.applicable for t in tally_checks(catalogue, stats)}
    assert gathered == {"external-link-broken": 10, "broken-link": 10}
    missing = replace(stats, missing_inputs=frozenset({EXTERNAL_LINKS}))
    not_gathered = {t.check_id: t.applicable for t in tally_checks(catalogue, missing)}
    assert not_gathered == {"external-link-broken": 0, "broken-link": 10}
    links = aggregate(catalogue, missing).for_category(Category.LINKS)
    assert links is not None and links.checks == 1  # scored on broken-link alone


def test_a_check_of_the_site_as_a_whole_is_one_unit_whatever_the_site_size() -> None:
    broken_sitemap = next(c for c in load_catalogue().checks if c.id == "sitemap-error")
    listed = next(c for c in load_catalogue().checks if c.id == "sitemap-url-broken")
    assert broken_sitemap.whole_site and not listed.whole_site
    catalogue = Catalogue((broken_sitemap, listed))
    stats = CheckStats(
        html_pages=10_000,
        response_pages=10_000,
        failing_pages={"sitemap-error": 2, "sitemap-url-broken": 2},
    )
    tallies = {t.check_id: (t.applicable, t.failing) for t in tally_checks(catalogue, stats)}
    assert tallies == {"sitemap-error": (1, 1), "sitemap-url-broken": (10_000, 2)}
    sitemaps = aggregate(catalogue, stats).for_category(Category.SITEMAPS)
    # sitemap-error (high, 5) fails outright; sitemap-url-broken (medium) nearly passes.
    weight = {Severity.HIGH: 5, Severity.MEDIUM: 3, Severity.LOW: 1}[listed.severity]
    expected = 100 * weight * (1 - 2 / 10_000) / (5 + weight)
    assert sitemaps is not None and sitemaps.score == pytest.approx(expected, abs=0.05)
    clean = aggregate(catalogue, CheckStats(html_pages=10_000, response_pages=10_000))
    assert clean.for_category(Category.SITEMAPS).score == 100.0  # type: ignore[union-attr]
    empty = tally_checks(catalogue, CheckStats(html_pages=0, response_pages=1))
    assert [t.applicable for t in empty] == [0, 0]  # nothing crawled: nothing scored


def test_a_site_check_that_crashed_applies_nowhere() -> None:
    crashed = next(c for c in load_catalogue().checks if c.id == "title-duplicate")
    stats = CheckStats(
        html_pages=10,
        response_pages=10,
        crashed_site_checks=crashed_site_checks(
            {f"{SITE_CHECK_ERRORS}title-duplicate": 1, "fetch/status/200": 10}
        ),
    )
    assert stats.crashed_site_checks == {"title-duplicate"}
    (only,) = tally_checks(Catalogue((crashed,)), stats)
    assert only.applicable == 0  # not checked is not passed


def scan_info(settings: dict[str, object], counters: dict[str, int]) -> ScanInfo:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return ScanInfo(
        1, "http://a.test/", ScanStatus.COMPLETED, created, None, None, settings, None, counters
    )


def test_links_to_other_sites_are_missing_when_their_checks_were_off_or_offline() -> None:
    both = {"check_external": True, "check_resources": True}
    assert missing_inputs(scan_info(both, {})) == frozenset()
    assert missing_inputs(scan_info(both, {"external/broken": 3})) == set()
    off = missing_inputs(scan_info({**both, "check_external": False}, {}))
    assert off == {EXTERNAL_LINKS}
    offline = {"external/offline-hosts": 4}
    assert missing_inputs(scan_info(both, offline)) == {EXTERNAL_LINKS}


def test_resources_are_missing_when_their_checks_were_off_or_the_scan_predates_them() -> None:
    off = missing_inputs(scan_info({"check_external": True, "check_resources": False}, {}))
    assert off == {RESOURCES}
    assert missing_inputs(scan_info({}, {})) == {EXTERNAL_LINKS, RESOURCES}


def test_a_site_check_cannot_need_an_input_no_scan_gathers() -> None:
    docs = Docs(what="w", why="y", fix="f")
    with pytest.raises(ValueError, match="needs unknown scan inputs"):
        site_check(
            id="x",
            category=Category.LINKS,
            severity=Severity.LOW,
            title="t",
            failure_title="f",
            docs=docs,
            needs=("screenshots",),
        )
