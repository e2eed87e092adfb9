"""Storage fixtures: every `store` test runs once on SQLite and once on PostgreSQL.

Each PostgreSQL test gets a schema of its own (selected through `search_path` in the URL)
that is dropped afterwards, so parallel runs and reruns never see each other's rows.
When the server is unreachable the PostgreSQL variants are skipped, or fail when CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.databases import BACKENDS, empty_database

from siteaudit.storage import SqlScanStore, open_store


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file (in a folder not created yet), or a fresh
    PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'not-yet-created' / 'siteaudit.db'}"
        return
    with empty_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[SqlScanStore]:
    """A migrated store on the database under test."""
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.engine.dispose()
