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
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from importlib import resources
from pathlib import PurePath
from typing import TextIO, cast

import siteaudit
from siteaudit.model import FINDING_FIELDS, Finding, Severity
from siteaudit.model.report import (
    STATUS_CLASSES,
    CheckInfo,
    PageRow,
    Rows,
    ScanInfo,
    ScanReport,
    crawl_notices,
)
from siteaudit.model.score import Scores
from siteaudit.reports.sanitize import fix_surrogates

SCHEMA_RESOURCE = "schema/report-v1.schema.json"


def finding_cells(finding: Finding) -> list[str]:
    """The values of `FINDING_FIELDS` for one finding, all strings."""
    return [
        finding.check_id,
        finding.category,  # a StrEnum member is its value (`.value` costs a Python call)
        finding.severity,
        finding.url,
        finding.message,
        finding.evidence,
        finding.locator,
        finding.fingerprint,
    ]


def render_json(report: ScanReport) -> str:
    """The report as pretty-printed JSON text (indent 2, trailing newline), always UTF-8 safe."""
    buffer = io.StringIO()
    write_json(report, buffer)
    return buffer.getvalue()


def write_json(report: ScanReport, out: TextIO) -> None:
    """Write the report to `out` exactly as `json.dumps(document, indent=2)` would, plus a
    newline, one page and one finding at a time."""
    writer = JsonWriter(out)
    writer.begin(report)
    for page in sorted_pages(report.pages):
        writer.page(page)
    writer.pages_done()
    for finding in sorted_findings(report.findings):
        writer.finding(finding)
    writer.end()


class JsonWriter:
    """The JSON report as a sink: the head, then pages, then checks and findings."""

    wants_pages = True

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._empty = True
        self._checks: dict[str, object] = {}

    def begin(self, report: ScanReport) -> None:
        """Write everything before the first page."""
        head: dict[str, object] = {
            "schema_version": report.schema_version,
            "generator": {"name": "siteaudit", "version": siteaudit.__version__},
            "scan": _scan(report.scan),
            "scores": _scores(report.scores),
            "summary": _summary(report),
        }
        self._checks = {key: _check(report.checks[key]) for key in sorted(report.checks)}
        self._out.write("{")
        first = True
        for key, value in head.items():
            self._out.write(("" if first else ",") + "\n  " + _dumps(key) + ": " + pretty(value, 1))
            first = False
        self._open("pages")

    def page(self, page: PageRow) -> None:
        """Write one page."""
        self._write_item(page_text(page))

    def pages_done(self) -> None:
        """Close the pages, write the checks, open the findings."""
        self._close()
        self._out.write(',\n  "checks": ' + pretty(self._checks, 1))
        self._open("findings")

    def finding(self, finding: Finding) -> None:
        """Write one finding."""
        self._write_item(finding_text(finding))

    def end(self) -> None:
        """Close the document."""
        self._close()
        self._out.write("\n}\n")

    def items_copied(self) -> bool:
        """Note that items of the open array were copied to the output past this writer,
        each written as `ITEM_SEPARATOR` + its text; True when they were the array's first,
        whose separator must then lose its comma (reports/prepared.py)."""
        first = self._empty
        self._empty = False
        return first

    def _open(self, key: str) -> None:
        self._out.write(",\n  " + _dumps(key) + ": [")
        self._empty = True

    def _write_item(self, text: str) -> None:
        self._out.write(("\n    " if self._empty else ITEM_SEPARATOR) + text)
        self._empty = False

    def _close(self) -> None:
        self._out.write("]" if self._empty else "\n  ]")


# What comes before each item of the pages and findings arrays but the first ("\n    ").
ITEM_SEPARATOR = ",\n    "


def page_text(page: PageRow) -> str:
    """One page as an item of the pages array (without the separator before it)."""
    return pretty(_page(page), 2)


def finding_text(finding: Finding) -> str:
    """One finding as an item of the findings array (without the separator before it)."""
    # Every member is a string: the layout `pretty` gives it, filled in one step.
    text = _FINDING_LAYOUT % tuple(map(_encode_str, finding_cells(finding)))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let pretty() clean it
            text = pretty(_finding(finding), 2)
    return text


def pretty(value: object, level: int = 0) -> str:
    """`value` as `json.dumps(value, indent=2)` lays it out `level` levels deep.

    json.dumps with an indent runs the pure-Python encoder; this walks the containers itself
    and leaves each scalar to the C encoder, several times faster on a large report.
    Values that are not plain JSON (surrogates, NaN, unknown types) are cleaned first.
    """
    try:
        text = _pretty(value, "\n" + "  " * level)
        text.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        text = _pretty(to_jsonable(value), "\n" + "  " * level)
    return text


def _pretty(value: object, newline: str) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        # Most members are strings: encoded here, without a call per member. A key that is
        # not a str makes the C encoder raise TypeError, as json.dumps does.
        items = [
            _encode_str(key)
            + ": "
            + (_encode_str(item) if type(item) is str else _pretty(item, inner))
            for key, item in value.items()
        ]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + ",".join(inner + _pretty(item, inner) for item in value) + newline + "]"
    return _dumps(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_encode_str = json.encoder.encode_basestring  # the C encoder for a str, as json.dumps uses
# A finding as `pretty(_finding(f), 2)` lays it out, with a %s for each (encoded) value.
_FINDING_LAYOUT = "{" + ",".join(f'\n      "{key}": %s' for key in FINDING_FIELDS) + "\n    }"


def _dumps(value: object) -> str:
    """One scalar (or compact value) as JSON; json.dumps' own result, minus its set-up cost."""
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    return _ENCODER.encode(value)


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
        "notices": list(crawl_notices(scan)),
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
    return dict(zip(FINDING_FIELDS, finding_cells(finding), strict=True))


def _sorted_deep(value: object) -> object:
    """Mappings (at any depth) with their keys sorted, so user settings render stably."""
    if isinstance(value, Mapping):
        return {str(k): _sorted_deep(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, list | tuple):
        return [_sorted_deep(item) for item in value]
    return value
