"""A realistic ScanReport for renderer tests, with `make_*` factories for its parts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from siteaudit.model import Category, CategoryScore, Finding, RedirectHop, Scores, Severity
from siteaudit.model.report import CheckInfo, PageRow, ScanInfo, ScanReport
from siteaudit.model.spec import ScanStatus

START = "https://example.com/"


def make_scan(**overrides: Any) -> ScanInfo:
    """A completed scan of example.com."""
    scan = ScanInfo(
        id=42,
        start_url=START,
        status=ScanStatus.COMPLETED_WITH_ERRORS,
        created_at=datetime(2024, 5, 1, 9, 59, 58, tzinfo=UTC),
        started_at=datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC),
        finished_at=datetime(2024, 5, 1, 10, 3, 12, 250000, tzinfo=UTC),
        settings={"max_pages": 500, "max_depth": 10, "include": ("/blog",), "respect_robots": True},
        counters={"fetch/status/200": 3, "fetch/status/404": 1, "fetch/error/timeout": 1},
    )
    return replace(scan, **overrides)


def make_page(url: str = START, **overrides: Any) -> PageRow:
    """An HTML page that answered 200."""
    page = PageRow(
        url=url,
        final_url=url,
        status=200,
        depth=0,
        title="Example Domain",
        content_type="text/html",
        size_bytes=1256,
        content_hash="9f86d081884c7d659a2feaa0c55ad015",
        ttfb_ms=84.5,
        total_ms=120.25,
        found_via="start",
        inlinks=0,
    )
    return replace(page, **overrides)


def make_finding(check_id: str = "title", url: str = START, **overrides: Any) -> Finding:
    """A high-severity on-page finding."""
    finding = Finding(
        check_id=check_id,
        category=Category.ON_PAGE,
        severity=Severity.HIGH,
        url=url,
        message="The page has no <title> element.",
        evidence="",
        locator="head",
    )
    return replace(finding, **overrides)


def make_check(check_id: str = "title", **overrides: Any) -> CheckInfo:
    """Catalogue metadata for a check."""
    info = CheckInfo(
        id=check_id,
        category=Category.ON_PAGE,
        severity=Severity.HIGH,
        title="Page has a title",
        failure_title="Page has no title",
        why="Search engines show the title as the headline of a result.",
        how_to_fix="Add one <title> element that describes the page in 30-60 characters.",
    )
    return replace(info, **overrides)


def _pages() -> tuple[PageRow, ...]:
    return (
        make_page(),
        make_page(f"{START}about", depth=1, title="About us", found_via="link", inlinks=4),
        make_page(
            f"{START}blog",
            final_url=f"{START}blog/",
            status=301,
            depth=1,
            title=None,
            content_type="",
            size_bytes=0,
            content_hash=None,
            redirects=(RedirectHop(f"{START}blog", 301, f"{START}blog/"),),
            inlinks=2,
        ),
        make_page(f"{START}missing", status=404, depth=2, title="Not found", inlinks=1),
        make_page(
            f"{START}slow",
            status=None,
            depth=2,
            title=None,
            content_type="",
            size_bytes=0,
            content_hash=None,
            ttfb_ms=None,
            total_ms=None,
            error_code="timeout",
            error_message="No complete response within 30 s.",
        ),
        make_page(f"{START}brochure.pdf", depth=1, title=None, content_type="application/pdf"),
    )


def _findings() -> tuple[Finding, ...]:
    return (
        make_finding(url=f"{START}about"),
        make_finding(url=f"{START}missing"),
        make_finding(
            "meta-description",
            severity=Severity.MEDIUM,
            message="No <meta name=description> element.",
            locator="",
        ),
        make_finding(
            "image-alt",
            category=Category.ACCESSIBILITY,
            severity=Severity.MEDIUM,
            message="An image has no alt attribute.",
            evidence='<img src="/logo.png">',
            locator="img:nth-of-type(1)",
        ),
        make_finding(
            "broken-link",
            url=f"{START}missing",
            category=Category.LINKS,
            severity=Severity.CRITICAL,
            message="The URL answers 404 and 1 page links to it.",
            evidence="404",
            locator="",
        ),
        make_finding(
            "hsts",
            category=Category.SECURITY,
            severity=Severity.LOW,
            message="No Strict-Transport-Security header.",
            locator="",
        ),
    )


def _checks() -> dict[str, CheckInfo]:
    return {
        "title": make_check(),
        "meta-description": make_check(
            "meta-description",
            severity=Severity.MEDIUM,
            title="Page has a meta description",
            failure_title="Page has no meta description",
        ),
        "image-alt": make_check(
            "image-alt",
            category=Category.ACCESSIBILITY,
            severity=Severity.MEDIUM,
            title="Images have alt text",
            failure_title="Images lack alt text",
        ),
        "broken-link": make_check(
            "broken-link",
            category=Category.LINKS,
            severity=Severity.CRITICAL,
            title="Internal links resolve",
            failure_title="Internal links are broken",
        ),
        "hsts": make_check(
            "hsts",
            category=Category.SECURITY,
            severity=Severity.LOW,
            title="HSTS is enabled",
            failure_title="HSTS is not enabled",
        ),
    }


def make_scores(site: float | None = 72.5) -> Scores:
    """Scores with one unscored (N/A) category."""
    return Scores(
        site=site,
        categories=(
            CategoryScore(Category.ON_PAGE, 61.0, checks=2, failed_checks=2, findings=3),
            CategoryScore(Category.LINKS, 80.0, checks=1, failed_checks=1, findings=1),
            CategoryScore(Category.ACCESSIBILITY, 92.0, checks=1, failed_checks=1, findings=1),
            CategoryScore(Category.SECURITY, 45.5, checks=1, failed_checks=1, findings=1),
            CategoryScore(Category.INTERNATIONAL, None, checks=0, failed_checks=0, findings=0),
        ),
    )


def make_report(**overrides: Any) -> ScanReport:
    """A scan of six URLs (one redirect, one 404, one timeout, one PDF) with six findings."""
    report = ScanReport(
        scan=make_scan(),
        scores=make_scores(),
        pages=_pages(),
        findings=_findings(),
        checks=_checks(),
    )
    return replace(report, **overrides)
