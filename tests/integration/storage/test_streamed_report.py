"""The stored report streams its rows in the order and with the counts of the in-memory one.

Text must sort by code point on both databases (PostgreSQL's default collation would put
`a` before `B` and ignore punctuation), so a streamed JSON report is byte-identical to the
report of the same rows held in memory.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result
from tests.support.databases import require_postgres

from siteaudit.model import Category, RedirectHop, ScanSpec, Severity
from siteaudit.model.report import PageRow, ReportTotals
from siteaudit.pipeline.ports import LinkRecord
from siteaudit.reports import render_findings_csv, render_json, write_reports
from siteaudit.storage import SqlScanStore, create_engine_for
from siteaudit.storage.database import open_store

# Upper case, punctuation and non-ASCII: the cases where collations disagree.
PATHS = ["B", "a", "_x", "-y", "Z9", "é", "e", "%C3%A9", "a/b", "a-b"]


def _seed(store: SqlScanStore) -> int:
    scan_id = store.create_scan(ScanSpec(HOME))
    results = []
    for depth, path in enumerate(PATHS):
        url = HOME + path
        findings = [
            make_finding(url, locator=path),
            make_finding(url, check_id="Zeta", severity=Severity.LOW, locator="b"),
            make_finding(url, check_id="zeta", severity=Severity.LOW, locator="B"),
            make_finding(url, check_id="hsts", category=Category.SECURITY, severity=Severity.INFO),
        ]
        page = make_page(url, depth=depth % 3, status=404 if path == "e" else 200)
        results.append(make_result(page, *findings))
    store.save_pages(scan_id, results)
    return scan_id


def test_streamed_rows_come_in_report_order_with_matching_totals(store: SqlScanStore) -> None:
    scan_id = _seed(store)
    streamed = store.load_report(scan_id)
    pages, findings = tuple(streamed.pages), tuple(streamed.findings)
    assert len(pages) == len(streamed.pages) == len(PATHS)
    assert len(findings) == len(streamed.findings) == 4 * len(PATHS)
    assert list(pages) == sorted(pages, key=lambda p: (p.depth, p.url))
    assert list(findings) == sorted(
        findings, key=lambda f: (f.severity.rank, f.check_id, f.url, f.locator)
    )
    assert streamed.totals == ReportTotals.count(pages, findings)
    in_memory = dataclasses.replace(streamed, pages=pages, findings=findings, stored_totals=None)
    assert render_json(streamed) == render_json(in_memory)
    assert render_findings_csv(streamed) == render_findings_csv(in_memory)


def test_streamed_rows_can_be_indexed_and_iterated_again(store: SqlScanStore) -> None:
    scan_id = _seed(store)
    findings = store.load_report(scan_id).findings
    first = findings[0]
    assert findings[-1] == list(findings)[-1]
    assert next(iter(findings)) == first
    assert [f.fingerprint for f in findings] == [f.fingerprint for f in findings]


@pytest.mark.postgres
def test_report_order_ignores_a_linguistic_database_collation() -> None:
    """On a database whose default collation is ICU en-US, text still sorts by code point."""
    server = make_url(require_postgres())
    name = f"siteaudit_icu_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(server.render_as_string(hide_password=False))
    create = (
        f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING UTF8 '
        "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    )
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(create))
    store = open_store(server.set(database=name).render_as_string(hide_password=False))
    try:
        with store.engine.connect() as connection:  # the premise: en-US puts "a" before "B"
            assert connection.scalar(text("SELECT 'a' < 'B'")) is True
        findings = tuple(store.load_report(_seed(store)).findings)
        assert list(findings) == sorted(
            findings, key=lambda f: (f.severity.rank, f.check_id, f.url, f.locator)
        )
    finally:
        store.engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_a_forked_report_writer_streams_the_same_bytes_from_the_store(
    store: SqlScanStore, tmp_path: Path
) -> None:
    # The parent has used (and pooled) a connection: the child must open its own.
    scan_id = _seed(store)
    report = store.load_report(scan_id)
    serial = write_reports(report, tmp_path / "one", ["json", "html", "csv"])
    parallel = write_reports(report, tmp_path / "two", ["json", "html", "csv"], processes=2)

    for name, path in serial.items():
        assert parallel[name].read_bytes() == path.read_bytes(), name
    assert len(tuple(store.load_report(scan_id).findings)) == 4 * len(PATHS)  # still usable


def test_a_report_page_row_carries_every_stored_field_in_its_place(store: SqlScanStore) -> None:
    # Distinct values for same-typed fields: rows are read by position, so two columns
    # swapped in the query would show up as two swapped fields here.
    scan_id = store.create_scan(ScanSpec(HOME))
    stored = {
        "url": HOME + "new",
        "final_url": HOME + "final",
        "status": 203,
        "depth": 4,
        "title": "Title",
        "content_type": "text/html",
        "size_bytes": 1234,
        "content_hash": "c0ffee",
        "ttfb_ms": 12.5,
        "total_ms": 98.25,
        "redirects": (RedirectHop(HOME + "old", 301, HOME + "new"),),
        "error_code": "code",
        "error_message": "message",
    }
    page = make_page(**stored)
    store.save_pages(scan_id, [make_result(make_page()), make_result(page, found_via="sitemap")])
    store.save_links(scan_id, [LinkRecord(HOME, HOME + "new")])
    [row] = [row for row in store.load_report(scan_id).pages if row.url == page.url]
    assert row == PageRow(**stored, found_via="sitemap", inlinks=1)


def test_a_reported_finding_carries_the_fingerprint_stored_with_it(store: SqlScanStore) -> None:
    """Reports show the stored fingerprint (the one re-scans compare), not a fresh hash.

    A URL with a NUL byte is stored cleaned (U+FFFD), its fingerprint was taken before: they
    differ, and the report must show the stored one.
    """
    scan_id = store.create_scan(ScanSpec(HOME))
    finding = make_finding(HOME + "nul\x00byte")
    store.save_pages(scan_id, [make_result(make_page(HOME), finding)])
    (reported,) = store.load_report(scan_id).findings
    assert reported.url == HOME + "nul\ufffdbyte"
    assert reported.fingerprint == finding.fingerprint
    rehashed = dataclasses.replace(reported, stored_fingerprint=None)
    assert reported.fingerprint != rehashed.fingerprint
    assert reported == rehashed  # the stored fingerprint takes no part in equality
