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

from siteaudit.errors import ReportWriteError, os_words
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
from siteaudit.reports.prepared import PreparedReports


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
    "PreparedReports",
    "ReportSink",
    "ReportWriterError",
    "feed",
    "load_schema",
    "make_report_dir",
    "render_findings_csv",
    "render_html",
    "render_json",
    "report_to_dict",
    "write_findings_csv",
    "write_html",
    "write_json",
    "write_reports",
]


def write_reports(
    report: ScanReport,
    out_dir: Path,
    formats: Iterable[str],
    *,
    processes: int = 1,
    prepared: PreparedReports | None = None,
) -> dict[str, Path]:
    """Write the requested formats into `out_dir`; returns format name -> written path.

    Format names are json, html and csv (case-insensitive); an unknown name raises
    ValueError before anything is written. A started `prepared` (see `reports/prepared.py`)
    writes the formats it prepared while this process writes the others; any it could not
    write are written here after all. With `processes` > 1 (and fork available), the first
    of the other formats is written by a forked child when there are several: the report's
    rows are streamed from the store by each process, so they share nothing but the files'
    names. Only callers without threads of their own should ask for it (the CLI).
    """
    wanted = parse_formats(formats)
    try:
        return _write_reports(report, out_dir, wanted, processes, prepared)
    except OSError as exc:  # the folder or the disk, not the report
        raise ReportWriteError(
            f"could not write the reports to {out_dir}: {os_words(exc)}"
        ) from exc


def make_report_dir(out_dir: Path) -> None:
    """Create the reports' folder ahead (before a scan): ReportWriteError, with the reason,
    when the path cannot be one."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportWriteError(f"cannot write reports to {out_dir}: {os_words(exc)}") from exc


def _write_reports(
    report: ScanReport,
    out_dir: Path,
    wanted: list[str],
    processes: int,
    prepared: PreparedReports | None,
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    temps = {name: out_dir / f".{FORMATS[name][0]}.{secrets.token_hex(6)}.tmp" for name in wanted}
    ahead = (
        [name for name in wanted if name in prepared.formats]
        if prepared is not None and prepared.started
        else []
    )
    try:
        if prepared is not None and ahead:
            prepared.go(report)  # it writes while this process writes the others
        rest = [name for name in wanted if name not in ahead]
        forked = rest[:1] if processes > 1 and len(rest) > 1 and _CAN_FORK else []
        child = _fork_writer(report, {name: temps[name] for name in forked}) if forked else None
        try:
            _write_files(report, {name: temps[name] for name in rest if name not in forked})
            if prepared is not None and ahead:
                ready = prepared.finish()
                for name, path in ready.items():
                    if name in ahead:
                        os.replace(path, temps[name])
                    else:
                        path.unlink()
                _write_files(report, {name: temps[name] for name in ahead if name not in ready})
        except BaseException:
            if child is not None:
                child.wait(check=False)  # this error is the one to report
            raise
        if child is not None:
            child.wait()
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


def _write_files(report: ScanReport, temps: Mapping[str, Path]) -> None:
    """Write each format into its temporary file, fed from one pass over the report."""
    if not temps:
        return
    with ExitStack() as files:
        sinks: list[ReportSink] = []
        for name, temp in temps.items():
            # Mode "x" creates the file with the umask's permissions, unlike mkstemp's.
            handle = files.enter_context(
                temp.open("x", encoding="utf-8", newline="", buffering=1 << 20)
            )
            files.callback(_sync, handle)  # runs before the file closes
            sinks.append(FORMATS[name][1](handle))
        feed(report, sinks)


_CAN_FORK = hasattr(os, "fork")
_MAX_ERROR = 2000


class ReportWriterError(ReportWriteError, RuntimeError):
    """A report written in a child process failed; the message is the child's error (a
    full disk, or a bug: a RuntimeError, as the same failure in this process would be)."""


class _Child:
    """A forked report writer: its pid and the pipe its error (if any) comes through."""

    def __init__(self, pid: int, errors: int) -> None:
        self._pid = pid
        self._errors = errors

    def wait(self, *, check: bool = True) -> None:
        """Wait for the child; with `check`, raise ReportWriterError when it failed."""
        try:
            with os.fdopen(self._errors, "rb") as pipe:
                message = pipe.read(_MAX_ERROR).decode("utf-8", "replace")
        finally:
            _, status = os.waitpid(self._pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if check and code != 0:
            why = message or f"the report writer process exited with {code}"
            raise ReportWriterError(f"could not write a report: {why}")


def _fork_writer(report: ScanReport, temps: Mapping[str, Path]) -> _Child:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, report any error through the pipe, never return
        code = 1
        try:
            os.close(read_end)
            _write_files(report, temps)
            code = 0
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:_MAX_ERROR])
        finally:
            os._exit(code)
    os.close(write_end)
    return _Child(pid, read_end)


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
