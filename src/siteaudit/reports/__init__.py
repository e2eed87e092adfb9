"""Report renderers: JSON (versioned schema), self-contained HTML and a findings CSV.

`write_reports` streams every requested format into a temporary file in the output folder
and renames them into place only once all are written, so a reader never sees a
half-written report, a failing renderer leaves no partial set behind, and no report is ever
held in memory whole. Each format is a `ReportSink`; one pass over the pages and one over
the findings (streamed from the store) feed every sink at once.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol, TextIO

from siteaudit.model import Finding
from siteaudit.model.report import PageRow, ScanReport
from siteaudit.reports.csv_report import CsvWriter, render_findings_csv, write_findings_csv
from siteaudit.reports.html_report import HtmlWriter, render_html, write_html
from siteaudit.reports.json_report import (
    JsonWriter,
    load_schema,
    render_json,
    report_to_dict,
    sorted_findings,
    sorted_pages,
    write_json,
)


class ReportSink(Protocol):
    """One report format fed row by row: begin, pages, pages_done, findings, end."""

    wants_pages: bool

    def begin(self, report: ScanReport) -> None: ...
    def page(self, page: PageRow) -> None: ...
    def pages_done(self) -> None: ...
    def finding(self, finding: Finding) -> None: ...
    def end(self) -> None: ...


# Format name -> (file name, the sink writing it to an open text file).
FORMATS: Mapping[str, tuple[str, Callable[[TextIO], ReportSink]]] = {
    "json": ("report.json", JsonWriter),
    "html": ("report.html", HtmlWriter),
    "csv": ("findings.csv", CsvWriter),
}

__all__ = [
    "FORMATS",
    "CsvWriter",
    "HtmlWriter",
    "JsonWriter",
    "ReportSink",
    "feed",
    "load_schema",
    "render_findings_csv",
    "render_html",
    "render_json",
    "report_to_dict",
    "write_findings_csv",
    "write_html",
    "write_json",
    "write_reports",
]


def write_reports(report: ScanReport, out_dir: Path, formats: Iterable[str]) -> dict[str, Path]:
    """Write the requested formats into `out_dir`; returns format name -> written path.

    Format names are json, html and csv (case-insensitive); an unknown name raises
    ValueError before anything is written.
    """
    wanted = parse_formats(formats)
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    try:
        with ExitStack() as files:
            sinks: list[ReportSink] = []
            for name in wanted:
                file_name, make_sink = FORMATS[name]
                temp = out_dir / f".{file_name}.{secrets.token_hex(6)}.tmp"
                # Mode "x" creates the file with the umask's permissions, unlike mkstemp's.
                handle = files.enter_context(
                    temp.open("x", encoding="utf-8", newline="", buffering=1 << 20)
                )
                temps[name] = temp
                files.callback(_sync, handle)  # runs before the file closes
                sinks.append(make_sink(handle))
            feed(report, sinks)
        written: dict[str, Path] = {}
        for name, temp in temps.items():
            path = out_dir / FORMATS[name][0]
            os.replace(temp, path)
            written[name] = path
        return written
    except BaseException:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        raise


def feed(report: ScanReport, sinks: list[ReportSink]) -> None:
    """Stream the report's pages, then its findings, through every sink once."""
    for sink in sinks:
        sink.begin(report)
    paged = [sink for sink in sinks if sink.wants_pages]
    if paged:
        for page in sorted_pages(report.pages):
            for sink in paged:
                sink.page(page)
    for sink in sinks:
        sink.pages_done()
    if sinks:
        for finding in sorted_findings(report.findings):
            for sink in sinks:
                sink.finding(finding)
    for sink in sinks:
        sink.end()


def _sync(handle: TextIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def parse_formats(formats: Iterable[str]) -> list[str]:
    """Known format names in request order without repeats; ValueError names the valid ones."""
    wanted: list[str] = []
    for raw in [formats] if isinstance(formats, str) else formats:
        name = raw.strip().lower()
        if name not in FORMATS:
            valid = ", ".join(sorted(FORMATS))
            raise ValueError(f"unknown report format {raw!r}; valid formats: {valid}")
        if name not in wanted:
            wanted.append(name)
    return wanted
