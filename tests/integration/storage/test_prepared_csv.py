"""The findings CSV prepared by a child while the site checks run is byte for byte the CSV
written from all findings at once, on SQLite and PostgreSQL; a failing child leaves the
writing to the caller, and an abandoned one leaves no file behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result

from siteaudit.model import Category, ScanSpec, Severity
from siteaudit.reports import PreparedCsv, render_findings_csv, write_reports
from siteaudit.storage import SqlScanStore

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _seed(store: SqlScanStore) -> int:
    """Page findings in three blocks, site findings before, between and after them."""
    scan_id = store.create_scan(ScanSpec(HOME))
    results = []
    for n in range(30):
        url = f"{HOME}p{n:02d}"
        findings = [
            make_finding(url),  # high, "title"
            make_finding(url, check_id="meta", severity=Severity.MEDIUM, locator='=1+"x"'),
            make_finding(url, check_id="hsts", category=Category.SECURITY, severity=Severity.LOW),
        ]
        results.append(make_result(make_page(url), *findings))
    store.save_pages(scan_id, results)
    site = [
        make_finding(f"{HOME}p{n:02d}", check_id=check_id, severity=severity, locator="s")
        for check_id, severity in [
            ("broken-link", Severity.CRITICAL),  # before every page block
            ("orphan", Severity.HIGH),  # between title (high) and meta (medium)
            ("zz-last", Severity.HIGH),  # after title, in the same severity
            ("pagerank-low", Severity.INFO),  # after every page block
        ]
        for n in (3, 1, 2)
    ]
    store.save_site_findings(scan_id, site)
    return scan_id


def _prepare(store: SqlScanStore, scan_id: int, out: Path) -> PreparedCsv:
    prepared = PreparedCsv()
    prepared.start(
        lambda: store.report_findings(scan_id, of_site=False),
        lambda: store.report_findings(scan_id, of_site=True),
        out,
    )
    return prepared


def test_a_prepared_csv_is_the_csv_of_all_findings(store: SqlScanStore, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    scan_id = _seed(store)
    prepared = _prepare(store, scan_id, tmp_path)
    assert prepared.started
    written = write_reports(store.load_report(scan_id), tmp_path, ["csv"], prepared_csv=prepared)
    expected = render_findings_csv(store.load_report(scan_id))
    assert written["csv"].read_bytes() == expected.encode("utf-8")
    assert expected.count("\r\n") == 1 + 30 * 3 + 4 * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv"]  # no spool left


def test_when_the_child_fails_the_csv_is_written_here(store: SqlScanStore, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    scan_id = _seed(store)

    def broken() -> list[object]:
        raise RuntimeError("the database went away")

    prepared = PreparedCsv()
    prepared.start(broken, lambda: store.report_findings(scan_id, of_site=True), tmp_path)
    report = store.load_report(scan_id)
    written = write_reports(report, tmp_path, ["csv", "json"], prepared_csv=prepared)
    assert written["csv"].read_bytes() == render_findings_csv(report).encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv", "report.json"]


def test_an_abandoned_csv_leaves_nothing(store: SqlScanStore, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    prepared = _prepare(store, _seed(store), tmp_path)
    prepared.abandon()
    prepared.abandon()  # twice is harmless
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_directory_leaves_the_csv_unprepared(
    store: SqlScanStore, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    prepared = _prepare(store, _seed(store), blocker / "out")  # mkdir fails under a file
    assert not prepared.started
    assert prepared.finish() is None
    prepared.abandon()
