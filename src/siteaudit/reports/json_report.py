"""The JSON report: every fact of a scan in a versioned, schema-checked document.

The document layout is described by `schema/report-v1.schema.json` and documented in
`docs/report-schema.md`. Keys come out in a fixed order, maps keyed by user data (settings,
counters, checks) are sorted, pages are ordered by (depth, url) and findings by (severity,
check id, url, locator), so two renders of the same scan are byte-identical.

The document is written piece by piece (`write_json`): pages and findings stream from the
store one at a time, so a scan with a million findings renders in bounded memory.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from importlib import resources
from pathlib import PurePath
from typing import TextIO, TypeVar, cast

import siteaudit
from siteaudit.model import Finding, Severity
from siteaudit.model.report import (
    STATUS_CLASSES,
    CheckInfo,
    PageRow,
    Rows,
    ScanInfo,
    ScanReport,
)
from siteaudit.model.score import Scores
from siteaudit.reports.sanitize import fix_surrogates

SCHEMA_RESOURCE = "schema/report-v1.schema.json"
T = TypeVar("T")


def render_json(report: ScanReport) -> str:
    """The report as pretty-printed JSON text (indent 2, trailing newline), always UTF-8 safe."""
    buffer = io.StringIO()
    write_json(report, buffer)
    return buffer.getvalue()


def write_json(report: ScanReport, out: TextIO) -> None:
    """Write the report to `out` exactly as `json.dumps(document, indent=2)` would, plus a
    newline, one page and one finding at a time."""
    head: dict[str, object] = {
        "schema_version": report.schema_version,
        "generator": {"name": "siteaudit", "version": siteaudit.__version__},
        "scan": _scan(report.scan),
        "scores": _scores(report.scores),
        "summary": _summary(report),
    }
    checks = {check_id: _check(report.checks[check_id]) for check_id in sorted(report.checks)}
    out.write("{")
    first = True
    for key, value in head.items():
        out.write(("" if first else ",") + "\n  " + _dumps(key) + ": " + _nested(value, 1))
        first = False
    _write_array(out, "pages", sorted_pages(report.pages), _page)
    out.write(',\n  "checks": ' + _nested(checks, 1))
    _write_array(out, "findings", sorted_findings(report.findings), _finding)
    out.write("\n}\n")


def _write_array(
    out: TextIO, key: str, items: Iterable[T], convert: Callable[[T], dict[str, object]]
) -> None:
    out.write(",\n  " + _dumps(key) + ": [")
    empty = True
    for item in items:
        out.write(("\n    " if empty else ",\n    ") + _nested(convert(item), 2))
        empty = False
    out.write("]" if empty else "\n  ]")


def _nested(value: object, level: int) -> str:
    """`value` as indent-2 JSON placed `level` levels deep (json.dumps' own layout)."""
    return _dumps(value).replace("\n", "\n" + "  " * level)


def _dumps(value: object) -> str:
    try:
        # Fast path: stored text is already clean, so most values serialise as they are.
        text = json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, allow_nan=False)
    return text


def report_to_dict(report: ScanReport) -> dict[str, object]:
    """The report as plain JSON data (dicts, lists, str, int, float, bool, None)."""
    return cast(dict[str, object], json.loads(render_json(report)))


def load_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) that every `report_to_dict` result satisfies."""
    source = resources.files("siteaudit.reports").joinpath(SCHEMA_RESOURCE)
    return cast(dict[str, object], json.loads(source.read_text(encoding="utf-8")))


def sorted_pages(pages: Rows[PageRow]) -> Iterable[PageRow]:
    """Pages in report order: shallowest first, then by URL."""
    if getattr(pages, "report_ordered", False):
        return pages
    return sorted(pages, key=lambda page: (page.depth, page.url))


def sorted_findings(findings: Rows[Finding]) -> Iterable[Finding]:
    """Findings in report order: most severe first, then by check, URL and locator."""
    if getattr(findings, "report_ordered", False):
        return findings
    return sorted(findings, key=lambda f: (f.severity.rank, f.check_id, f.url, f.locator))


def is_html_page(page: PageRow) -> bool:
    """True when the URL answered with an HTML document."""
    return page.is_html


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
    totals = report.totals
    return {
        "pages": totals.pages,
        "html_pages": totals.html_pages,
        "pages_by_status_class": {
            name: totals.pages_by_status_class[name] for name in STATUS_CLASSES
        },
        "findings": totals.findings,
        "findings_by_severity": {
            severity.value: totals.findings_by_severity.get(severity, 0) for severity in Severity
        },
        "failed_checks": len(totals.by_check),
        "affected_pages": totals.affected_pages,
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
