"""One scan's rows picked by a list of keys, planned as index probes on every backend.

`WHERE scan_id = ? AND key IN (<hundreds of keys>)` reads well, but PostgreSQL plans it from
table statistics, and a table that grew from empty has none until autovacuum (or an
`ANALYZE`) has run: the planner then takes the scan id alone as selective, walks the
scan's rows through the `(scan_id, key)` index and filters the keys (0.65 s for 500 keys
against a scan's 2 million links, a few milliseconds as probes). On PostgreSQL the keys are
therefore an `unnest` of one array parameter, each probing the index through a `LATERAL`
subquery that `OFFSET 0` keeps the planner from flattening back into a join; SQLite plans
`IN` as one probe per key without statistics. Deleting by a list of keys is one statement a
key, keyed on both columns of the index (an executemany): a batch's findings deleted with
`page_key IN (...)` read every finding of the scan, 2.5 s a batch at 400,000 findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Connection,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal,
    select,
    true,
)


def delete_with_keys(
    connection: Connection, key: Column[Any], scan_id: int, keys: Iterable[str]
) -> None:
    """Delete the rows of `key`'s table that belong to scan `scan_id` and whose `key` is one
    of `keys` (the table has an index on `(scan_id, key)`): one index probe a key."""
    table = key.table
    assert isinstance(table, Table)
    wanted = [{"wanted_key": value} for value in keys]
    if wanted:
        statement = delete(table).where(table.c.scan_id == scan_id, key == bindparam("wanted_key"))
        connection.execute(statement, wanted)


def rows_with_keys(
    connection: Connection,
    key: Column[Any],
    scan_id: int,
    keys: Sequence[str],
    *columns: Any,
) -> Select[Any]:
    """`columns` of the rows of `key`'s table that belong to scan `scan_id` and whose `key`
    is one of `keys` (the table has an index on `(scan_id, key)`); in no particular order."""
    table = key.table
    assert isinstance(table, Table)
    if connection.dialect.name != "postgresql":
        return select(*columns).where(table.c.scan_id == scan_id, key.in_(keys))
    array = literal(list(keys), ARRAY(String))
    wanted = func.unnest(array).table_valued("key").render_derived(name="wanted")
    probe = (
        select(*columns)
        .where(table.c.scan_id == scan_id, key == wanted.c.key)
        .offset(0)
        .lateral("probe")
    )
    return select(*probe.c).select_from(wanted).join(probe, true())
