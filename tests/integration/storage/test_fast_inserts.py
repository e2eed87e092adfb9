"""The fast executemany stores exactly what SQLAlchemy's own executemany stores, on SQLite
and on PostgreSQL.

The fast path compiles each insert once and hands the driver tuples encoded by the columns'
own bind processors; every byte it stores must be the one the ordinary path stores.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Insert, text
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result
from tests.support.databases import BACKENDS, empty_database

from siteaudit.model import Category, Hreflang, RedirectHop, ScanSpec, Severity
from siteaudit.pipeline.ports import LinkRecord
from siteaudit.storage import create_engine_for, open_store, upsert, writing

SAVED_AT = datetime(2026, 12, 2, 16, 0, 0, 123456, tzinfo=UTC)
TABLES = ("pages", "findings", "links")


def _write(url: str) -> None:
    store = open_store(url)
    scan_id = store.create_scan(ScanSpec(HOME))
    results = []
    for n, title in enumerate(["Shop", "Ünïcode ✓ \u2028 line", None, "quotes \"x\" 'y'"]):
        url = f"{HOME}p{n}"
        page = make_page(
            url,
            title=title,
            depth=n,
            simhash=2**64 - 1 - n,
            word_count=n * 10,
            redirects=(RedirectHop(url=url + "?r", status=301, location=url),) if n else (),
            hreflangs=(Hreflang("de", url + "/de"),),
            ttfb_ms=1.5 * n if n else None,
        )
        findings = [
            make_finding(url, locator=f"//a[{n}]", evidence="e\u00e9"),
            make_finding(url, check_id="hsts", category=Category.SECURITY, severity=Severity.INFO),
        ]
        results.append(make_result(page, *findings, not_applicable=("x", "a")))
    store.save_pages(scan_id, results)
    store.save_pages(scan_id, results[:2])  # again: the conflict paths (update, ignore)
    links = [
        LinkRecord(
            f"{HOME}p0", f"{HOME}p{n}", f"text {n}", ("nofollow", "ugc")[: n % 3], n % 2 == 0
        )
        for n in range(1, 6)
    ]
    store.save_links(scan_id, links)
    store.save_links(scan_id, links)
    store.engine.dispose()


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of `TABLES` in insertion order, as the database holds it (on PostgreSQL
    each row as its text: a JSON column keeps the text it was given)."""
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return {
                table: connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in TABLES
            }
        finally:
            connection.close()
    engine = create_engine_for(url)
    try:
        with engine.connect() as postgres:
            return {
                table: [
                    tuple(row)
                    for row in postgres.execute(
                        text(f"SELECT CAST({table} AS TEXT) FROM {table} ORDER BY id")
                    )
                ]
                for table in TABLES
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_fast_inserts_store_the_same_rows_as_sqlalchemy(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "utcnow", lambda: SAVED_AT)
    monkeypatch.setattr(upsert, "_COMPILED", {})  # what this test compiles, only
    (tmp_path / "fast").mkdir()
    (tmp_path / "ordinary").mkdir()
    with (
        empty_database(backend, tmp_path / "fast") as fast_url,
        empty_database(backend, tmp_path / "ordinary") as ordinary_url,
    ):
        _write(fast_url)
        assert any(key[0] == backend for key in upsert._COMPILED)  # it took the fast path

        def ordinary(connection: Connection, statement: Insert, *args: Any) -> None:
            _table, rows, _shape = args
            connection.execute(statement, list(rows))

        with monkeypatch.context() as patched:
            patched.setattr(upsert, "_execute_many", ordinary)
            _write(ordinary_url)

        fast, expected = _dump(fast_url), _dump(ordinary_url)
    assert all(expected[table] for table in TABLES)
    assert fast == expected
