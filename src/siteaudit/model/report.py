"""Everything a report renderer needs, gathered from storage after a scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from siteaudit.model.finding import Finding
from siteaudit.model.page import RedirectHop
from siteaudit.model.score import Scores
from siteaudit.model.spec import Category, ScanStatus, Severity

REPORT_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """Identity and lifecycle of one scan."""

    id: int
    start_url: str
    status: ScanStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    settings: dict[str, object] = field(default_factory=dict)
    error: str | None = None
    counters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageRow:
    """One crawled URL as the report lists it."""

    url: str
    final_url: str
    status: int | None
    depth: int
    title: str | None
    content_type: str
    size_bytes: int
    content_hash: str | None
    ttfb_ms: float | None
    total_ms: float | None
    redirects: tuple[RedirectHop, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    found_via: str = "link"
    inlinks: int = 0


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """The parts of a check's metadata a report shows next to its findings."""

    id: str
    category: Category
    severity: Severity
    title: str
    failure_title: str
    why: str
    how_to_fix: str


@dataclass(frozen=True, slots=True)
class ScanReport:
    """A finished (or stopped) scan: identity, scores, pages, findings and check metadata."""

    scan: ScanInfo
    scores: Scores
    pages: tuple[PageRow, ...]
    findings: tuple[Finding, ...]
    checks: dict[str, CheckInfo]
    schema_version: str = REPORT_SCHEMA_VERSION
