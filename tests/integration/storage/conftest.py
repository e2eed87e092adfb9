"""Storage fixtures: every `store` test runs once on SQLite and once on PostgreSQL.

Each PostgreSQL test gets a schema of its own (selected through `search_path` in the URL)
that is dropped afterwards, so parallel runs and reruns never see each other's rows.
When the server is unreachable the PostgreSQL variants are skipped, or fail when CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from siteaudit.storage import SqlScanStore, create_engine_for, open_store

POSTGRES_URL = os.environ.get(
    "SITEAUDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL URL once the server answers; skips (or fails on CI) otherwise."""
    probe = make_url(POSTGRES_URL).update_query_dict({"connect_timeout": "5"})
    engine = create_engine_for(probe.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "no server" here
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        message = f"PostgreSQL is unreachable at {POSTGRES_URL}: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'not-yet-created' / 'siteaudit.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    schema = f"siteaudit_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine_for(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[SqlScanStore]:
    """A migrated store on the database under test."""
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.engine.dispose()
