"""Databases for tests that run once on SQLite and once on PostgreSQL.

The PostgreSQL variant gets a schema of its own (selected through `search_path` in the URL),
dropped afterwards, as in tests/integration/storage/conftest.py. When the server does not
answer it is skipped, or fails when CI=true. A schema's name carries when it was made, so
that those a killed test session left are dropped by a later one (`sweep_stale_schemas`).
"""

from __future__ import annotations

import functools
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from siteaudit.storage import create_engine_for

POSTGRES_URL = os.environ.get(
    "SITEAUDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
SCHEMA_PREFIX = "siteaudit_test_"
# A test's schema older than this is a killed session's: no test runs this long.
STALE_S = 6 * 3600
_STAMPED = re.compile(rf"{SCHEMA_PREFIX}(\d+)_[0-9a-f]+")


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
    schema = f"{SCHEMA_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(server)
    _sweep_once(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@functools.cache
def _sweep_once(server: str) -> None:
    """`sweep_stale_schemas` on `server`, once a process."""
    admin = create_engine_for(server)
    try:
        sweep_stale_schemas(admin)
    finally:
        admin.dispose()


def sweep_stale_schemas(admin: Engine) -> list[str]:
    """Drop the test schemas made more than `STALE_S` ago (a killed session's; names
    without a time, from before they carried one, are left alone); returns their names."""
    cutoff = time.time() - STALE_S
    with admin.connect() as connection:
        names = connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, :prefix)"),
            {"prefix": SCHEMA_PREFIX},
        ).scalars()
        stale = [
            name
            for name in names
            if (stamped := _STAMPED.fullmatch(name)) and int(stamped.group(1)) < cutoff
        ]
    for name in stale:
        with admin.begin() as connection:  # another session may be sweeping it too
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    return stale
