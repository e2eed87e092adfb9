"""The findings CSV: one row per finding, for spreadsheets and ticket imports.

Cells come from crawled pages, and a spreadsheet runs a cell that starts with `=`, `+`,
`-`, `@`, TAB or CR as a formula (CSV injection). Such cells get a leading apostrophe, the
OWASP-recommended neutraliser, which spreadsheets show as text and never evaluate.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TextIO

from siteaudit.model import FINDING_FIELDS, Finding
from siteaudit.model.report import LinkRow, PageRow, ScanReport
from siteaudit.reports.json_report import finding_cells, sorted_findings
from siteaudit.reports.sanitize import clean_for_csv

COLUMNS = FINDING_FIELDS
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What `clean_for_csv` changes: NUL and (lone) surrogates.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
# In cells joined after line breaks, a cell that starts with a formula prefix. (Two patterns:
# one with an alternation would lose the fast scan for its leading line break.)
_FORMULA = re.compile("\n[" + re.escape("".join(FORMULA_PREFIXES)) + "]")


def render_findings_csv(report: ScanReport) -> str:
    """Every finding as RFC 4180 CSV text with a header row (no BOM; CRLF line ends)."""
    buffer = io.StringIO(newline="")
    write_findings_csv(report, buffer)
    return buffer.getvalue()


def write_findings_csv(report: ScanReport, out: TextIO) -> None:
    """Write the findings CSV to `out` (opened with newline=""), one finding at a time."""
    writer = CsvWriter(out)
    writer.begin(report)
    for finding in sorted_findings(report.findings):
        writer.finding(finding)


class CsvWriter:
    """The findings CSV as a sink: a header row, then one row per finding."""

    wants_pages = False

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def begin(self, report: ScanReport) -> None:
        """Write the header row."""
        self.header()

    def header(self) -> None:
        """Write the header row."""
        self._writer.writerow(COLUMNS)

    def page(self, page: PageRow) -> None:
        """Pages are not part of the findings CSV."""

    def pages_done(self) -> None:
        """Nothing to do between pages and findings."""

    def finding(self, finding: Finding) -> None:
        """Write one row."""
        self._writer.writerow(_row(finding))

    def end(self) -> None:
        """Nothing follows the last row."""


def neutralise(cell: str) -> str:
    """`cell` made UTF-8 safe and, when a spreadsheet would run it as a formula, inert."""
    cleaned = clean_for_csv(cell)
    if cleaned.startswith(FORMULA_PREFIXES):
        return "'" + cleaned
    return cleaned


def _row(finding: Finding) -> list[str]:
    values = finding_cells(finding)
    # One scan per row, not two per cell: a cell that may need a change sends the whole row
    # the slow way (a line break inside a cell can only make that happen needlessly).
    joined = "\n" + "\n".join(values)
    if _UNSAFE.search(joined) is None and _FORMULA.search(joined) is None:
        return values
    return [neutralise(value) for value in values]


LINK_COLUMNS = (
    "source",
    "target",
    "text",
    "rel",
    "position",
    "internal",
    "target_status",
    "target_error",
)


def write_links_csv(rows: Iterable[LinkRow], out: TextIO) -> int:
    """Every link as RFC 4180 CSV (header row, CRLF line ends), cells neutralised like the
    findings CSV's; returns how many links were written. `target_status` is empty for a
    target the crawl did not fetch (another site, a URL past a limit)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LINK_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            (
                neutralise(row.source),
                neutralise(row.target),
                neutralise(row.text),
                " ".join(row.rel),
                row.position,
                "yes" if row.internal else "no",
                "" if row.status is None else row.status,
                row.error_code or "",
            )
        )
        count += 1
    return count
