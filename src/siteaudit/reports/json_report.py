"""The JSON report: every fact of a scan in a versioned, schema-checked document.

The document layout is described by `schema/report-v1.schema.json` and documented in
`docs/report-schema.md`. Keys come out in a fixed order, maps keyed by user data (settings,
counters, checks) are sorted, pages are ordered by (depth, url) and findings by (severity,
check id, url, locator), so two renders of the same scan are byte-identical.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from importlib import resources
from pathlib import PurePath
from typing import cast

import siteaudit
from siteaudit.model import Finding, Severity
from siteaudit.model.report import CheckInfo, PageRow, ScanInfo, ScanReport
from siteaudit.model.score import Scores
from siteaudit.reports.sanitize import fix_surrogates

SCHEMA_RESOURCE = "schema/report-v1.schema.json"
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx", "failed")


def render_json(report: ScanReport) -> str:
    """The report as pretty-printed JSON text (indent 2, trailing newline), always UTF-8 safe."""
    document = _document(report)
    try:
        # Fast path: stored text is already clean, so most reports serialise as they are.
        text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        clean = to_jsonable(document)
        text = json.dumps(clean, ensure_ascii=False, indent=2, allow_nan=False)
    return text + "\n"


def report_to_dict(report: ScanReport) -> dict[str, object]:
    """The report as plain JSON data (dicts, lists, str, int, float, bool, None)."""
    return cast(dict[str, object], to_jsonable(_document(report)))


def _document(report: ScanReport) -> dict[str, object]:
    document: dict[str, object] = {
        "schema_version": report.schema_version,
        "generator": {"name": "siteaudit", "version": siteaudit.__version__},
        "scan": _scan(report.scan),
        "scores": _scores(report.scores),
        "summary": _summary(report),
        "pages": [_page(page) for page in sorted_pages(report.pages)],
        "checks": {check_id: _check(report.checks[check_id]) for check_id in sorted(report.checks)},
        "findings": [_finding(finding) for finding in sorted_findings(report.findings)],
    }
    return document


def load_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) that every `report_to_dict` result satisfies."""
    source = resources.files("siteaudit.reports").joinpath(SCHEMA_RESOURCE)
    return cast(dict[str, object], json.loads(source.read_text(encoding="utf-8")))


def sorted_pages(pages: tuple[PageRow, ...]) -> list[PageRow]:
    """Pages in report order: shallowest first, then by URL."""
    return sorted(pages, key=lambda page: (page.depth, page.url))


def sorted_findings(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings in report order: most severe first, then by check, URL and locator."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.check_id, f.url, f.locator))


def is_html_page(page: PageRow) -> bool:
    """True when the URL answered with an HTML document."""
    return page.status is not None and page.content_type in HTML_CONTENT_TYPES


def status_class(status: int | None) -> str:
    """'2xx' style class of an HTTP status; 'failed' when no usable response arrived."""
    if status is None or not 100 <= status <= 599:
        return "failed"
    return f"{status // 100}xx"


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z suffix; naive datetimes are taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_jsonable(value: object) -> object:
    """`value` made of JSON types only: strings UTF-8 safe, non-finite floats as null."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, str):
        return fix_surrogates(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date | PurePath):
        return fix_surrogates(str(value))
    if isinstance(value, Mapping):
        return {fix_surrogates(str(key)): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return [to_jsonable(item) for item in sorted(value, key=repr)]
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    # Settings may hold objects we do not know; their text is better than a failed report.
    return fix_surrogates(str(value))


def _scan(scan: ScanInfo) -> dict[str, object]:
    return {
        "id": scan.id,
        "start_url": scan.start_url,
        "status": scan.status,
        "created_at": iso_utc(scan.created_at),
        "started_at": iso_utc(scan.started_at),
        "finished_at": iso_utc(scan.finished_at),
        "settings": _sorted_deep(scan.settings),
        "error": scan.error,
        "counters": dict(sorted(scan.counters.items())),
    }


def _scores(scores: Scores) -> dict[str, object]:
    categories = [
        {
            "category": item.category,
            "score": item.score,
            "checks": item.checks,
            "failed_checks": item.failed_checks,
            "findings": item.findings,
        }
        for item in scores.categories
    ]
    return {"site": scores.site, "categories": categories}


def _summary(report: ScanReport) -> dict[str, object]:
    by_class = Counter(status_class(page.status) for page in report.pages)
    by_severity = Counter(finding.severity for finding in report.findings)
    return {
        "pages": len(report.pages),
        "html_pages": sum(1 for page in report.pages if is_html_page(page)),
        "pages_by_status_class": {name: by_class[name] for name in STATUS_CLASSES},
        "findings": len(report.findings),
        "findings_by_severity": {severity: by_severity[severity] for severity in Severity},
        "failed_checks": len({finding.check_id for finding in report.findings}),
        "affected_pages": len({finding.url for finding in report.findings}),
    }


def _page(page: PageRow) -> dict[str, object]:
    error = None
    if page.error_code is not None or page.error_message is not None:
        error = {"code": page.error_code or "error", "message": page.error_message or ""}
    return {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "depth": page.depth,
        "title": page.title,
        "content_type": page.content_type,
        "size_bytes": page.size_bytes,
        "content_hash": page.content_hash,
        "timings": {"ttfb_ms": page.ttfb_ms, "total_ms": page.total_ms},
        "redirect_chain": [
            {"url": hop.url, "status": hop.status, "location": hop.location}
            for hop in page.redirects
        ],
        "error": error,
        "found_via": page.found_via,
        "inlinks": page.inlinks,
    }


def _check(check: CheckInfo) -> dict[str, object]:
    return {
        "title": check.title,
        "failure_title": check.failure_title,
        "category": check.category,
        "severity": check.severity,
        "why": check.why,
        "how_to_fix": check.how_to_fix,
    }


def _finding(finding: Finding) -> dict[str, object]:
    return {
        "check_id": finding.check_id,
        "category": finding.category,
        "severity": finding.severity,
        "url": finding.url,
        "message": finding.message,
        "evidence": finding.evidence,
        "locator": finding.locator,
        "fingerprint": finding.fingerprint,
    }


def _sorted_deep(value: object) -> object:
    """Mappings (at any depth) with their keys sorted, so user settings render stably."""
    if isinstance(value, Mapping):
        return {str(k): _sorted_deep(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, list | tuple):
        return [_sorted_deep(item) for item in value]
    return value
