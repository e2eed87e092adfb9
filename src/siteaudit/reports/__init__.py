"""Report renderers: JSON (versioned schema), self-contained HTML and a findings CSV.

`write_reports` renders every requested format first and only then writes, each file
atomically (a temporary file in the same folder, then a rename), so a reader never sees a
half-written report and a failing renderer leaves no partial set behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from siteaudit.model.report import ScanReport
from siteaudit.reports.csv_report import render_findings_csv
from siteaudit.reports.html_report import render_html
from siteaudit.reports.json_report import load_schema, render_json, report_to_dict

Renderer = Callable[[ScanReport], str]

# Format name -> (file name, renderer).
FORMATS: Mapping[str, tuple[str, Renderer]] = {
    "json": ("report.json", render_json),
    "html": ("report.html", render_html),
    "csv": ("findings.csv", render_findings_csv),
}

__all__ = [
    "FORMATS",
    "load_schema",
    "render_findings_csv",
    "render_html",
    "render_json",
    "report_to_dict",
    "write_reports",
]


def write_reports(report: ScanReport, out_dir: Path, formats: Iterable[str]) -> dict[str, Path]:
    """Write the requested formats into `out_dir`; returns format name -> written path.

    Format names are json, html and csv (case-insensitive); an unknown name raises
    ValueError before anything is written.
    """
    wanted = parse_formats(formats)
    rendered = {name: FORMATS[name][1](report) for name in wanted}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, text in rendered.items():
        path = out_dir / FORMATS[name][0]
        write_atomically(path, text)
        written[name] = path
    return written


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
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        # Mode "x" creates the file with the umask's permissions, unlike mkstemp's 0600.
        with temp.open("x", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
