"""Engines and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text
from tests.integration.storage.factories import HOME
from tests.support.databases import empty_database

from siteaudit.model import ScanSpec
from siteaudit.model.report import Runner
from siteaudit.storage import UnsupportedDatabaseError, create_engine_for, migrate, open_store
from siteaudit.storage.database import head_revision
from siteaudit.storage.errors import DatabaseUnavailableError
from siteaudit.storage.repository import SqlScanStore
from siteaudit.storage.tables import metadata

TABLES = {
    "sites",
    "scans",
    "pages",
    "links",
    "findings",
    "artifacts",
    "work",
    "outbox",
    "dead_letters",
    "schedules",
    "schedule_runs",
    "left_out",
}


def _statements_while_migrating(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        migrate(engine)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_migrating_an_empty_database_creates_every_table(database_url: str) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0009"
    engine.dispose()


def test_a_database_a_newer_siteaudit_wrote_is_refused_in_words_and_left_alone(
    database_url: str,
) -> None:
    # Alembic's own "Can't locate revision identified by '0009'" came out as a traceback
    # of forty frames when an older siteaudit opened the database of a newer one.
    open_store(database_url).engine.dispose()
    engine = create_engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseUnavailableError) as raised:
        open_store(database_url)
    assert str(raised.value) == (
        "the database's schema is at revision 9999, which this siteaudit does not know (it"
        f" knows up to {head_revision()}): a newer siteaudit wrote it. Upgrade siteaudit, or"
        " use another database (database_url, SITEAUDIT_DATABASE_URL)"
    )
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "9999"
    engine.dispose()


def test_migrating_a_database_already_at_head_changes_nothing(database_url: str) -> None:
    engine = create_engine_for(database_url)
    first = _statements_while_migrating(engine)
    second = _statements_while_migrating(engine)
    assert any("CREATE TABLE" in sql for sql in first)
    assert not [sql for sql in second if sql.lstrip().upper().startswith(("CREATE", "ALTER"))]
    assert not [sql for sql in second if "INSERT INTO alembic_version" in sql]
    engine.dispose()


def _upgrade_with_alembic(engine: Engine) -> None:
    """Every migration from an empty database, as an existing database would get them."""
    from alembic import command

    from siteaudit.storage.database import make_alembic_config

    config = make_alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def test_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    engine = create_engine_for(database_url)
    _upgrade_with_alembic(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def _schema(engine: Engine) -> dict[str, object]:
    """Everything the inspector sees of each table, comparable across two databases."""
    inspector = inspect(engine)
    tables: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        columns = [
            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(table)
        ]
        tables[table] = {
            "columns": columns,
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], str(fk.get("options")))
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
        }
    return tables


def test_a_new_database_is_created_with_exactly_the_migrated_schema(
    database_url: str, tmp_path: Path
) -> None:
    # A brand-new database skips Alembic (create_all + the head revision): it must come out
    # as the migrations would have built it.
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with empty_database(backend, tmp_path / "migrated") as other_url:
        migrated = create_engine_for(other_url)
        _upgrade_with_alembic(migrated)
        created = create_engine_for(database_url)
        statements = _statements_while_migrating(created)
        try:
            assert _schema(created) == _schema(migrated)
            with created.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == "0009"
        finally:
            created.dispose()
            migrated.dispose()
    # The fast path ran: one CREATE per table, none of the migrations' later alterations.
    assert any("CREATE TABLE pages" in sql for sql in statements)
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("ALTER")]
    assert not [sql for sql in statements if "_alembic_tmp" in sql]


def test_three_processes_starting_at_once_all_migrate_cleanly(database_url: str) -> None:
    start_at = time.time() + 3  # after every interpreter has imported siteaudit
    script = (
        "import sys, time\n"
        "from siteaudit.storage import open_store\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "open_store(sys.argv[1]).engine.dispose()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, str(start_at)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(process.wait(timeout=60), process.communicate()[1]) for process in processes]
    assert outcomes == [(0, "")] * 3
    engine = create_engine_for(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_sqlite_engine_creates_the_folder_and_sets_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'a' / 'b' / 'scans.db'}")
    with engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "mmap_size")
        }
    engine.dispose()
    assert (tmp_path / "a" / "b" / "scans.db").is_file()
    expected = {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 15_000,
        "mmap_size": 32 * 1024 * 1024,
    }
    assert pragmas == expected


def test_plain_postgresql_urls_use_the_psycopg_driver() -> None:
    engine = create_engine_for("postgresql://someone@db.invalid/audits")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_a_sqlite_file_whose_folder_cannot_be_created_is_a_database_error(
    tmp_path: Path,
) -> None:
    # A traceback from every command before (FileNotFoundError, NotADirectoryError).
    (tmp_path / "taken").write_text("a file, not a folder")
    url = f"sqlite:///{tmp_path}/taken/scans.db"
    with pytest.raises(DatabaseUnavailableError, match="its folder cannot be created: File exists"):
        open_store(url)


def test_a_database_other_than_sqlite_or_postgresql_is_refused() -> None:
    with pytest.raises(UnsupportedDatabaseError, match="mysql"):
        create_engine_for("mysql://someone@db.invalid/audits")


def test_an_in_memory_sqlite_store_is_one_database_for_every_thread() -> None:
    store = open_store("sqlite://")
    ids: list[int] = []
    worker = threading.Thread(target=lambda: ids.append(store.create_scan(ScanSpec(HOME))))
    worker.start()
    worker.join()
    assert [info.id for info in store.list_scans()] == ids
    store.engine.dispose()


def test_the_fast_head_check_agrees_with_alembic() -> None:
    """Start-up compares the stored revision with the newest version file's name, so each
    migration file must be named after its revision id and the newest must sort last."""
    from alembic.script import ScriptDirectory

    from siteaudit.storage.database import head_revision, make_alembic_config

    assert head_revision() == ScriptDirectory.from_config(make_alembic_config()).get_current_head()


def _one_scan_at(database_url: str, revision: str, *statements: str) -> Engine:
    """An engine on a database migrated to `revision` only, holding one completed scan (id
    1) and whatever `statements` then insert."""
    from alembic import command

    from siteaudit.storage.database import make_alembic_config

    engine = create_engine_for(database_url)
    config = make_alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.exec_driver_sql(
            "INSERT INTO sites (url, url_key, created_at) VALUES ('http://a/', 'k', '2026-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO scans (site_id, spec, status, created_at, counters)"
            " VALUES (1, '{}', 'completed', '2026-01-01', '{}')"
        )
        for statement in statements:
            connection.exec_driver_sql(statement)
    return engine


def test_a_database_at_the_first_schema_upgrades_and_keeps_its_scans(database_url: str) -> None:
    engine = _one_scan_at(database_url, "0001")
    migrate(engine)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT status, engine, cancel_requested, aggregate_runs FROM scans"
        ).one()
    engine.dispose()
    assert tuple(row) == ("completed", "local", False, 0)


def test_links_stored_before_positions_were_recorded_read_as_content(database_url: str) -> None:
    engine = _one_scan_at(
        database_url,
        "0003",
        "INSERT INTO links (scan_id, source_url, target_url, target_key, link_key, text,"
        " rel, internal) VALUES (1, 'http://a/', 'http://a/b', 't', 'l', 'b', '[]', true)",
    )
    migrate(engine)
    with engine.connect() as connection:
        position = connection.exec_driver_sql("SELECT position FROM links").scalar_one()
    engine.dispose()
    assert position == "content"


def test_scans_stored_before_runners_were_recorded_have_none(database_url: str) -> None:
    engine = _one_scan_at(database_url, "0004")
    migrate(engine)
    store = SqlScanStore(engine)
    assert store.get_scan(1).runner is None
    store.set_runner(1, lambda _: Runner("host", 42, "1234"))
    assert store.get_scan(1).runner == Runner("host", 42, "1234")
    engine.dispose()
