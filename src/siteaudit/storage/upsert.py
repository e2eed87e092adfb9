"""Portable "insert or ignore" and "insert or update" over SQLite and PostgreSQL.

Both dialects spell it `INSERT ... ON CONFLICT`, but SQLAlchemy builds it from each
dialect's own `insert()`; this module picks the right one for a connection.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, Insert, Table
from sqlalchemy.engine import Dialect

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
    _execute_many(connection, statement, table, rows, ("ignore", *conflict))


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
    _execute_many(connection, statement, table, rows, ("replace", *conflict))


def _execute_many(
    connection: Connection,
    statement: Insert,
    table: Table,
    rows: Sequence[Row],
    shape: tuple[str, ...],
) -> None:
    """One executemany of `statement` over `rows` (which all have the same keys).

    `shape` names the statement among those built for `table` (how conflicts are handled).

    The statement is compiled once per shape with positional parameters and each row
    becomes a tuple (by an itemgetter) whose values are encoded by their columns' own bind
    processors (JSON, booleans, timestamps) where they have one, then goes to the driver's
    executemany as is: SQLAlchemy's per-row parameter building was a third of a scan's
    write time on SQLite, and on PostgreSQL (a dictionary and the compiler's parameter
    walk a row) more than the driver's own work. Other dialects take the usual path.
    """
    name = connection.dialect.name
    if name not in _FAST:
        connection.execute(statement, list(rows))
        return
    columns = tuple(rows[0])
    key = (name, table.name, *shape, "|", *columns)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _compile(statement, table, connection.dialect, columns)
    sql, values, encoders = found
    parameters = list(map(values, rows))  # tuples, built in C
    if encoders:
        parameters = [_encoded(row, encoders) for row in parameters]
    connection.exec_driver_sql(sql, parameters)


def _encoded(row: tuple[Any, ...], encoders: _Encoders) -> tuple[Any, ...]:
    values = list(row)
    for position, encode in encoders:
        values[position] = encode(values[position])
    return tuple(values)


def _compile(
    statement: Insert, table: Table, dialect: Dialect, columns: tuple[str, ...]
) -> _Compiled:
    """The statement's SQL for `dialect`, a getter of its positional parameters from a row,
    and the positions whose column has an encoder (JSON, booleans, timestamps).

    psycopg takes `%s` as well as its dialect's `%(name)s`: the SQL is compiled for a copy
    of the dialect with that positional style (the encoders are the dialect's own), and
    for an executemany, so that no `RETURNING` of the new rows' ids is added.
    """
    make: Any = type(dialect)  # the concrete dialect takes its parameter style
    positional = dialect if dialect.positional else make(paramstyle="format")
    compiled = statement.compile(
        dialect=positional, column_keys=list(columns), for_executemany=True
    )
    order = tuple(compiled.positiontup or ())
    if sorted(order) != sorted(columns):  # a statement with parameters of its own
        raise ValueError(f"cannot execute {statement} positionally over {columns}")
    encoders: _Encoders = []
    for position, name in enumerate(order):
        column_type = table.c[name].type
        encode = column_type.dialect_impl(dialect).bind_processor(dialect)
        if encode is not None:
            is_json = isinstance(column_type, JSON)
            encoders.append((position, _empty_list_first(encode) if is_json else encode))
    # itemgetter of one name returns the bare value, not a 1-tuple.
    values: Callable[[Row], tuple[Any, ...]] = (
        operator.itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
    )
    return str(compiled), values, encoders


def _empty_list_first(encode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON column's encoder that spells an empty list itself: most JSON values a page
    stores are empty lists (a link's rel, a page's h1s, canonicals, hreflangs...)."""

    def encoded(value: Any) -> Any:
        if type(value) is list and not value:
            return "[]"  # what the serializer (json.dumps) writes for it
        return encode(value)

    return encoded


# The dialects whose executemany gets positional tuples straight from `_execute_many`.
_FAST = frozenset({"sqlite", "postgresql"})
_Encoders = list[tuple[int, Callable[[Any], Any]]]
_Compiled = tuple[str, Callable[[Row], tuple[Any, ...]], _Encoders]
# (dialect, table, shape..., "|", columns...) -> what _compile returns; a handful in all.
_COMPILED: dict[tuple[str, ...], _Compiled] = {}


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
