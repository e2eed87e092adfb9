"""Databases for tests that run once on SQLite and once on PostgreSQL.

The PostgreSQL variant gets a schema of its own (selected through `search_path` in the URL),
dropped afterwards, as in tests/integration/storage/conftest.py. When the server does not
answer it is skipped, or fails when CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from siteaudit.storage import create_engine_for

POSTGRES_URL = os.environ.get(
    "SITEAUDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def require_postgres() -> str:
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


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'siteaudit.db'}"
        return
    server = require_postgres()
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
