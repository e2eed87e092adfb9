"""Report renderers: JSON (versioned schema), self-contained HTML and a findings CSV.

`write_reports` streams every requested format into a temporary file in the output folder
and renames them into place only once all are written, so a reader never sees a
half-written report, a failing renderer leaves no partial set behind, and no report is ever
held in memory whole (pages and findings stream from the store).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TextIO

from siteaudit.model.report import ScanReport
from siteaudit.reports.csv_report import render_findings_csv, write_findings_csv
from siteaudit.reports.html_report import render_html, write_html
from siteaudit.reports.json_report import load_schema, render_json, report_to_dict, write_json

Writer = Callable[[ScanReport, TextIO], None]

# Format name -> (file name, writer).
FORMATS: Mapping[str, tuple[str, Writer]] = {
    "json": ("report.json", write_json),
    "html": ("report.html", write_html),
    "csv": ("findings.csv", write_findings_csv),
}

__all__ = [
    "FORMATS",
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
        for name in wanted:
            file_name, writer = FORMATS[name]
            temps[name] = _write_temp(out_dir / file_name, partial(writer, report))
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


def write_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 to `path` so that readers see the old file or the whole new one."""
    os.replace(_write_temp(path, lambda out: out.write(text)), path)


def _write_temp(path: Path, write: Callable[[TextIO], object]) -> Path:
    """A synced temporary file next to `path` holding what `write` wrote (removed on error)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        # Mode "x" creates the file with the umask's permissions, unlike mkstemp's 0600.
        with temp.open("x", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return temp
