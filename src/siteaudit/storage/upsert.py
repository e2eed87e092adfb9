"""Portable "insert or ignore" and "insert or update" over SQLite and PostgreSQL.

Both dialects spell it `INSERT ... ON CONFLICT`, but SQLAlchemy builds it from each
dialect's own `insert()`; this module picks the right one for a connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table

from siteaudit.storage.errors import UnsupportedDatabaseError

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

Row = dict[str, object]


def insert_ignoring(
    connection: Connection, table: Table, rows: Sequence[Row], conflict: Sequence[str]
) -> None:
    """Insert `rows` (one executemany), skipping those that collide on `conflict` columns."""
    if not rows:
        return
    statement = _insert(connection, table).on_conflict_do_nothing(index_elements=conflict)
    connection.execute(statement, list(rows))


def insert_replacing(
    connection: Connection, table: Table, rows: Sequence[Row], conflict: Sequence[str]
) -> None:
    """Insert `rows`; a row that collides on `conflict` columns overwrites the stored one."""
    if not rows:
        return
    statement = _insert(connection, table)
    changed = [name for name in rows[0] if name not in conflict]
    statement = statement.on_conflict_do_update(
        index_elements=conflict, set_={name: statement.excluded[name] for name in changed}
    )
    connection.execute(statement, list(rows))


def _insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    # Each dialect's module is imported when first used: a scan on SQLite never loads
    # SQLAlchemy's PostgreSQL dialects (20 ms of every start-up).
    name = connection.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert  # noqa: PLC0415

        return postgresql_insert(table)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415

        return sqlite_insert(table)
    raise UnsupportedDatabaseError(name)
