"""The HTML report's view model: what each section shows, worked out before templating.

The template only loops and prints; every decision (grouping, ordering, caps, grades, which
URLs may become links) is made here, where it is typed and unit-tested.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import siteaudit
from siteaudit.checks.scoring import SEVERITY_WEIGHTS
from siteaudit.model import Category, Finding, Severity
from siteaudit.model.report import (
    CheckInfo,
    CheckTally,
    PageRow,
    ReportTotals,
    ScanReport,
    crawl_notices,
    status_class,
)
from siteaudit.reports.charts import BarChart, Ring, format_score, make_bar_chart, make_ring
from siteaudit.reports.json_report import iso_utc, sorted_findings, sorted_pages

ISSUE_URL_LIMIT = 100
PAGE_ROW_LIMIT = 1000
TOP_ISSUES = 5
GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))
CATEGORY_LABELS = {
    Category.CRAWLABILITY: "Crawlability & indexability",
    Category.HTTP: "HTTP & redirects",
    Category.ON_PAGE: "On-page SEO",
    Category.LINKS: "Links",
    Category.CONTENT: "Content",
    Category.IMAGES: "Images",
    Category.STRUCTURED_DATA: "Structured data & social",
    Category.INTERNATIONAL: "International",
    Category.SITEMAPS: "Sitemaps & robots",
    Category.PERFORMANCE: "Performance",
    Category.SECURITY: "Security",
    Category.ACCESSIBILITY: "Accessibility",
    Category.AI_READINESS: "AI readiness",
}
# Only absolute http(s) URLs without whitespace or controls may become links.
_LINKABLE = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Header:
    """Identity of the scan as the report's first lines show it."""

    start_url: str
    start_href: str | None
    scan_id: int
    status: str
    created: str
    started: str
    finished: str
    duration: str
    pages: int
    html_pages: int
    error: str | None
    notices: tuple[str, ...] = ()  # what the crawl's limits kept out


@dataclass(frozen=True, slots=True)
class IssueItem:
    """One affected URL of an issue group."""

    url: str
    href: str | None
    message: str
    evidence: str
    locator: str


@dataclass(frozen=True, slots=True)
class IssueGroup:
    """Every finding of one check, with the check's advice."""

    check_id: str
    title: str
    severity: Severity
    category: str
    why: str
    how_to_fix: str
    findings: int
    pages: int
    impact: float
    items: tuple[IssueItem, ...]
    more: int


@dataclass(frozen=True, slots=True)
class PageLine:
    """One row of the pages table."""

    url: str
    href: str | None
    status: str
    status_class: str
    title: str | None
    depth: int
    time: str


@dataclass(frozen=True, slots=True)
class ErrorLine:
    """A URL that could not be fetched, and why."""

    url: str
    href: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything the HTML template renders."""

    header: Header
    ring: Ring
    severity_counts: tuple[tuple[Severity, int], ...]
    top_issues: tuple[IssueGroup, ...]
    category_chart: BarChart
    severity_chart: BarChart
    issues: tuple[IssueGroup, ...]
    pages: tuple[PageLine, ...]
    pages_more: int
    errors: tuple[ErrorLine, ...]
    errors_more: int
    version: str


def make_view(report: ScanReport) -> ReportView:
    """Work out every section of the HTML report from `report`."""
    collector = ViewCollector()
    for page in sorted_pages(report.pages):
        collector.page(page)
    for finding in sorted_findings(report.findings):
        collector.finding(finding)
    return collector.view(report)


class ViewCollector:
    """Keeps what the HTML report shows while pages and findings stream past, once each.

    Only the capped rows are kept (the first PAGE_ROW_LIMIT pages and fetch errors, the first
    ISSUE_URL_LIMIT findings of each check); every count comes from the report's totals.
    """

    wants_pages = True

    def __init__(self) -> None:
        self._lines: list[PageLine] = []
        self._errors: list[ErrorLine] = []
        self._pages = 0
        self._failed = 0
        self._shown: dict[str, list[Finding]] = {}

    def page(self, page: PageRow) -> None:
        """Take one page, in report order."""
        self._pages += 1
        if len(self._lines) < PAGE_ROW_LIMIT:
            self._lines.append(_page_line(page))
        if page.status is None or page.error_code is not None:
            self._failed += 1
            if len(self._errors) < PAGE_ROW_LIMIT:
                self._errors.append(_error_line(page))

    def finding(self, finding: Finding) -> None:
        """Take one finding, in report order."""
        bucket = self._shown.setdefault(finding.check_id, [])
        if len(bucket) < ISSUE_URL_LIMIT:
            bucket.append(finding)

    def view(self, report: ScanReport) -> ReportView:
        """The view of everything taken so far."""
        totals = report.totals  # counted once: in-memory reports count by iterating
        issues = _issue_groups(self._shown, totals, report.checks)
        by_severity = totals.findings_by_severity
        counts = tuple((sev, by_severity.get(sev, 0)) for sev in Severity)
        site_grade = grade(report.scores.site)
        return ReportView(
            header=_header(report, totals),
            ring=make_ring(report.scores.site, site_grade, grade_tone(site_grade)),
            severity_counts=counts,
            top_issues=top_issues(issues),
            category_chart=_category_chart(report),
            severity_chart=_severity_chart(counts),
            issues=issues,
            pages=tuple(self._lines),
            pages_more=self._pages - len(self._lines),
            errors=tuple(self._errors),
            errors_more=self._failed - len(self._errors),
            version=siteaudit.__version__,
        )


def safe_href(url: str) -> str | None:
    """`url` when it is an absolute http(s) URL safe to link to, else None (shown as text)."""
    return url if _LINKABLE.fullmatch(url) else None


def finite(value: float | None) -> float | None:
    """`value`, or None when it is missing, NaN or infinite (shown as N/A)."""
    return value if value is not None and math.isfinite(value) else None


def grade(score: float | None) -> str:
    """Letter grade of a 0-100 score: A (90+), B (80+), C (70+), D (60+), F; N/A for None.

    Graded on the whole number the report displays, so a score shown as 90 is always an A.
    """
    score = finite(score)
    if score is None:
        return "N/A"
    shown = int(format_score(score))
    return next((letter for floor, letter in GRADES if shown >= floor), "F")


def grade_tone(letter: str) -> str:
    """The colour family of a grade: good, fair, poor or none."""
    return {"A": "good", "B": "good", "C": "fair", "D": "fair", "F": "poor"}.get(letter, "none")


def _issue_groups(
    shown: dict[str, list[Finding]], totals: ReportTotals, checks: dict[str, CheckInfo]
) -> tuple[IssueGroup, ...]:
    """Findings grouped by check, most severe first, then by pages affected."""
    groups = [
        _group(check_id, shown.get(check_id, []), tally, checks.get(check_id))
        for check_id, tally in totals.by_check.items()
    ]
    return tuple(sorted(groups, key=lambda g: (g.severity.rank, -g.pages, g.check_id)))


def top_issues(groups: tuple[IssueGroup, ...]) -> tuple[IssueGroup, ...]:
    """The issues worth fixing first: severity weight x affected pages, info excluded."""
    weighty = [group for group in groups if group.impact > 0]
    ranked = sorted(weighty, key=lambda g: (-g.impact, g.severity.rank, g.check_id))
    return tuple(ranked[:TOP_ISSUES])


def format_moment(moment: datetime | None) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS UTC', or an em dash when unknown."""
    text = iso_utc(moment)
    return "\u2014" if text is None else text[:19].replace("T", " ") + " UTC"


def format_duration(start: datetime | None, end: datetime | None) -> str:
    """Elapsed time between two moments as '1 h 2 min 3 s', or an em dash when unknown."""
    if start is None or end is None:
        return "\u2014"
    # Naive datetimes are UTC by convention (as in the JSON); mixing kinds must not raise.
    start, end = (m if m.tzinfo else m.replace(tzinfo=UTC) for m in (start, end))
    seconds = max(0, round((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s"]
    return " ".join(part for part in parts if part)


def _group(
    check_id: str, shown: list[Finding], tally: CheckTally, info: CheckInfo | None
) -> IssueGroup:
    severity = info.severity if info else tally.severity
    category = info.category if info else tally.category
    ordered = sorted(shown, key=lambda f: (f.url, f.locator))
    pages = tally.pages
    return IssueGroup(
        check_id=check_id,
        title=info.failure_title if info else check_id,
        severity=severity,
        category=CATEGORY_LABELS.get(category, str(category)),
        why=info.why if info else "",
        how_to_fix=info.how_to_fix if info else "",
        findings=tally.findings,
        pages=pages,
        impact=SEVERITY_WEIGHTS.get(severity, 0.0) * pages,
        items=tuple(_issue_item(finding) for finding in ordered),
        more=tally.findings - len(ordered),
    )


def _issue_item(finding: Finding) -> IssueItem:
    return IssueItem(
        url=finding.url,
        href=safe_href(finding.url),
        message=finding.message,
        evidence=finding.evidence,
        locator=finding.locator,
    )


def _header(report: ScanReport, totals: ReportTotals) -> Header:
    scan = report.scan
    return Header(
        start_url=scan.start_url,
        start_href=safe_href(scan.start_url),
        scan_id=scan.id,
        status=scan.status.value.replace("_", " "),
        created=format_moment(scan.created_at),
        started=format_moment(scan.started_at),
        finished=format_moment(scan.finished_at),
        duration=format_duration(scan.started_at, scan.finished_at),
        pages=totals.pages,
        html_pages=totals.html_pages,
        error=scan.error,
        notices=crawl_notices(scan),
    )


def _category_chart(report: ScanReport) -> BarChart:
    rows = []
    for item in report.scores.categories:
        score = finite(item.score)
        value = "N/A" if score is None else format_score(score)
        fraction = None if score is None else score / 100.0
        letter = grade(score)
        label = CATEGORY_LABELS.get(item.category, str(item.category))
        rows.append((label, value, grade_tone(letter), fraction))
    return make_bar_chart("Score by category (0-100)", rows)


def _severity_chart(counts: tuple[tuple[Severity, int], ...]) -> BarChart:
    most = max((count for _, count in counts), default=0) or 1
    rows: list[tuple[str, str, str, float | None]] = [
        (severity.value.capitalize(), str(count), f"sev-{severity.value}", count / most)
        for severity, count in counts
    ]
    return make_bar_chart("Findings by severity", rows)


def _page_line(page: PageRow) -> PageLine:
    total_ms = finite(page.total_ms)
    return PageLine(
        url=page.url,
        href=safe_href(page.url),
        status="\u2014" if page.status is None else str(page.status),
        status_class=status_class(page.status),
        title=page.title,
        depth=page.depth,
        time="\u2014" if total_ms is None else f"{round(total_ms):,} ms",
    )


def _error_line(page: PageRow) -> ErrorLine:
    return ErrorLine(
        url=page.url,
        href=safe_href(page.url),
        code=page.error_code or ("http-" + str(page.status) if page.status else "error"),
        message=page.error_message or "",
    )
