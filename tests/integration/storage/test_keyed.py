"""`storage.keyed.rows_with_keys`: the rows of keys, found and planned as index probes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from tests.support.databases import BACKENDS, empty_database

from siteaudit.model import ScanSpec
from siteaudit.storage import codec
from siteaudit.storage.database import create_engine_for, migrate
from siteaudit.storage.keyed import rows_with_keys
from siteaudit.storage.reading import LINKS_TO_BATCH
from siteaudit.storage.repository import insert_scan
from siteaudit.storage.tables import links


def _engine_with_links(url: str, count: int) -> tuple[Engine, int, int]:
    """A migrated database with two scans; the first has `count` links to `/t0`..`/t99`
    (the link `n` to `/t<n % 100>`), the second one link to `/t0`."""
    engine = create_engine_for(url)
    migrate(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # no statistics, whatever the server's
            connection.execute(text("ALTER TABLE links SET (autovacuum_enabled = false)"))
        scan_id = insert_scan(connection, ScanSpec(start_url="http://a.test/"))
        other_id = insert_scan(connection, ScanSpec(start_url="http://a.test/"))
        rows: list[dict[str, Any]] = [
            {
                "scan_id": scan_id,
                "source_url": f"http://a.test/s{n // 50}",
                "target_url": f"http://a.test/t{n % 100}",
                "target_key": codec.url_key(f"http://a.test/t{n % 100}"),
                "link_key": codec.url_key(f"link {n}"),
                "text": "",
                "rel": [],
                "internal": True,
            }
            for n in range(count)
        ]
        rows.append({**rows[0], "scan_id": other_id, "link_key": codec.url_key("other")})
        connection.execute(links.insert(), rows)
    return engine, scan_id, other_id


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_rows_of_the_keys_are_those_of_the_scan_with_one_of_them(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        engine, scan_id, other_id = _engine_with_links(url, 1000)
        wanted = [codec.url_key("http://a.test/t3"), codec.url_key("http://a.test/t77")]
        absent = codec.url_key("http://a.test/nowhere")
        try:
            with engine.connect() as connection:
                query = rows_with_keys(
                    connection, links.c.target_key, scan_id, [*wanted, absent], links.c.target_url
                )
                found = sorted(url for (url,) in connection.execute(query))
                other = rows_with_keys(
                    connection, links.c.target_key, other_id, wanted, links.c.target_url
                )
                of_other = [url for (url,) in connection.execute(other)]
                none = rows_with_keys(connection, links.c.target_key, scan_id, [], links.c.id)
                nothing = connection.execute(none).all()
        finally:
            engine.dispose()
    assert found == ["http://a.test/t3"] * 10 + ["http://a.test/t77"] * 10
    assert of_other == []  # the other scan links to /t0 only
    assert nothing == []


def test_postgresql_probes_the_index_for_each_key_without_table_statistics(
    tmp_path: Path,
) -> None:
    # A table that grew from empty has no statistics until autovacuum or ANALYZE runs;
    # `scan_id = ? AND target_key IN (...)` was then planned as a walk over the whole
    # scan's rows with the keys as a filter (0.65 s for 500 keys against 2 million links).
    with empty_database("postgresql", tmp_path) as url:
        engine, scan_id, _ = _engine_with_links(url, 20_000)
        # as many keys as `reading.links_to` asks for at once (most link to nothing here)
        keys = [codec.url_key(f"http://a.test/t{n}") for n in range(LINKS_TO_BATCH)]
        try:
            with engine.connect() as connection:
                analyzed = connection.scalar(
                    text(
                        "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL "
                        "FROM pg_stat_user_tables WHERE relid = 'links'::regclass"
                    )
                )
                query = rows_with_keys(connection, links.c.target_key, scan_id, keys, links.c.id)
                compiled = query.compile(connection, compile_kwargs={"render_postcompile": True})
                explained = "EXPLAIN (FORMAT JSON) " + str(compiled)
                plan = connection.exec_driver_sql(explained, compiled.params).scalar()
        finally:
            engine.dispose()
    assert analyzed is False  # the case this guards: no statistics
    conditions = _index_conditions(plan if isinstance(plan, list) else json.loads(plan))
    assert any("target_key" in condition for condition in conditions), conditions


def _index_conditions(plan: list[dict[str, Any]]) -> list[str]:
    """Every index condition of an EXPLAIN (FORMAT JSON) plan."""
    found: list[str] = []
    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Index Cond" in node:
            found.append(node["Index Cond"])
        nodes.extend(node.get("Plans", []))
    return found
