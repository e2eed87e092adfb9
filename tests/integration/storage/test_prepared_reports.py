"""The findings CSV and the JSON report prepared by a child while the site checks run are byte
for byte the files written from the whole report at once, on SQLite and PostgreSQL; a
failing child leaves the writing to the caller, and an abandoned one leaves no file behind."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result

from siteaudit.model import Category, RedirectHop, ScanSpec, Severity
from siteaudit.reports import PreparedReports, render_findings_csv, render_json, write_reports
from siteaudit.storage import SqlScanStore

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

SITE_CHECKS = [
    ("broken-link", Severity.CRITICAL),  # before every page block
    ("orphan", Severity.HIGH),  # between title (high) and meta (medium)
    ("zz-last", Severity.HIGH),  # after title, in the same severity
    ("pagerank-low", Severity.INFO),  # after every page block
]


def _seed(store: SqlScanStore, site_checks: list[tuple[str, Severity]] = SITE_CHECKS) -> int:
    """Pages (one redirected, one failed, titles beyond ASCII) with page findings in three
    blocks, and site findings of `site_checks` around them."""
    scan_id = store.create_scan(ScanSpec(HOME))
    results = []
    for n in range(30):
        url = f"{HOME}p{n:02d}"
        page = make_page(url, title=f"Café n°{n} — ☕")
        if n == 7:
            page = make_page(url, status=301, redirects=(RedirectHop(url, 301, HOME),))
        if n == 8:
            page = make_page(url, status=None, error_code="timeout", error_message="slow")
        findings = [
            make_finding(url),  # high, "title"
            make_finding(url, check_id="meta", severity=Severity.MEDIUM, locator='=1+"x"'),
            make_finding(url, check_id="hsts", category=Category.SECURITY, severity=Severity.LOW),
        ]
        results.append(make_result(page, *findings))
    store.save_pages(scan_id, results)
    site = [
        make_finding(f"{HOME}p{n:02d}", check_id=check_id, severity=severity, locator="s")
        for check_id, severity in site_checks
        for n in (3, 1, 2)
    ]
    store.save_site_findings(scan_id, site)
    return scan_id


def _prepare(
    store: SqlScanStore, scan_id: int, out: Path, formats: tuple[str, ...] = ("csv", "json")
) -> PreparedReports:
    prepared = PreparedReports(formats)
    prepared.start(
        lambda: store.report_pages(scan_id),
        lambda: store.report_findings(scan_id, of_site=False),
        lambda: store.report_findings(scan_id, of_site=True),
        out,
    )
    return prepared


@pytest.mark.parametrize(
    "site_checks",
    [SITE_CHECKS, SITE_CHECKS[2:], []],
    ids=["site-finding-first", "page-finding-first", "no-site-findings"],
)
def test_prepared_reports_are_the_reports_of_the_whole_scan(
    store: SqlScanStore, tmp_path: Path, site_checks: list[tuple[str, Severity]]
) -> None:
    out = tmp_path / "out"
    scan_id = _seed(store, site_checks)
    prepared = _prepare(store, scan_id, out)
    assert prepared.started
    report = store.load_report(scan_id)
    written = write_reports(report, out, ["json", "html", "csv"], prepared=prepared)
    expected_csv = render_findings_csv(store.load_report(scan_id))
    expected_json = render_json(store.load_report(scan_id))
    assert written["csv"].read_bytes() == expected_csv.encode("utf-8")
    assert written["json"].read_bytes() == expected_json.encode("utf-8")
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    assert len(document["pages"]) == 30
    assert len(document["findings"]) == 30 * 3 + 3 * len(site_checks)
    assert expected_csv.count("\r\n") == 1 + 30 * 3 + 3 * len(site_checks)
    # No spool, head or temporary file left.
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "report.html", "report.json"]


def test_only_the_formats_asked_for_are_prepared(store: SqlScanStore, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scan_id = _seed(store)
    prepared = _prepare(store, scan_id, out, formats=("csv",))
    assert prepared.formats == ("csv",)
    report = store.load_report(scan_id)
    written = write_reports(report, out, ["csv", "json"], prepared=prepared)
    assert written["csv"].read_bytes() == render_findings_csv(report).encode("utf-8")
    assert written["json"].read_bytes() == render_json(report).encode("utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "report.json"]


def test_when_the_child_fails_the_reports_are_written_here(
    store: SqlScanStore, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    scan_id = _seed(store)

    def broken() -> list[object]:
        raise RuntimeError("the database went away")

    prepared = PreparedReports(["csv", "json"])
    prepared.start(
        lambda: store.report_pages(scan_id),
        broken,
        lambda: store.report_findings(scan_id, of_site=True),
        out,
    )
    assert prepared.started
    report = store.load_report(scan_id)
    written = write_reports(report, out, ["csv", "json"], prepared=prepared)
    assert written["csv"].read_bytes() == render_findings_csv(report).encode("utf-8")
    assert written["json"].read_bytes() == render_json(report).encode("utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "report.json"]


def test_an_abandoned_preparation_leaves_nothing(store: SqlScanStore, tmp_path: Path) -> None:
    out = tmp_path / "out"
    prepared = _prepare(store, _seed(store), out)
    prepared.abandon()
    prepared.abandon()  # twice is harmless
    assert list(out.iterdir()) == []


def test_a_process_forked_later_does_not_keep_the_child_waiting(
    store: SqlScanStore, tmp_path: Path
) -> None:
    """The child stops at its end of file: a process the scan forks afterwards (the site
    checks' helper) must not hold the write end too, or a parent killed mid-scan would leave
    the child waiting for that process as well."""
    out = tmp_path / "out"
    prepared = _prepare(store, _seed(store), out)
    sibling = os.fork()
    if sibling == 0:  # the later fork: lives on for a minute
        time.sleep(60)
        os._exit(0)
    try:
        started = time.monotonic()
        prepared.abandon()  # closes the parent's write end and waits for the child
        assert time.monotonic() - started < 30  # not the sibling's minute
    finally:
        os.kill(sibling, signal.SIGKILL)
        os.waitpid(sibling, 0)
    assert list(out.iterdir()) == []


def test_an_unusable_directory_leaves_the_reports_unprepared(
    store: SqlScanStore, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    prepared = _prepare(store, _seed(store), blocker / "out")  # mkdir fails under a file
    assert not prepared.started
    assert prepared.finish() == {}
    prepared.abandon()
