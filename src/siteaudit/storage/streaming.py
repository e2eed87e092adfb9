"""Report rows streamed from the database: a scan's pages and findings, never all in memory.

`StoredRows` is a read-only sequence whose every iteration runs its query again and yields
the rows as they arrive (in partitions of `PARTITION` on a server-side cursor where the
driver has one). Its length is counted once, in SQL. The query orders rows in report order,
using the "C" collation on PostgreSQL so that text sorts by code point, as Python sorts it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from itertools import islice
from typing import Any, TypeVar, overload

from sqlalchemy import Engine, Select

T = TypeVar("T")

PARTITION = 1000


class StoredRows(Sequence[T]):
    """The rows of `query` converted by `convert`, fetched afresh on each iteration."""

    report_ordered = True  # the query sorts in report order; renderers need not sort again

    def __init__(
        self, engine: Engine, query: Select[Any], convert: Callable[[Any], T], count: int
    ) -> None:
        self._engine = engine
        self._query = query
        self._convert = convert
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Generator[T, None, None]:
        with self._engine.connect() as connection:
            options = connection.execution_options(stream_results=True, yield_per=PARTITION)
            result = options.execute(self._query)
            try:
                for row in result:
                    yield self._convert(row)
            finally:  # also when the consumer stops early and the generator is closed
                result.close()

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return list(self)[index]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(index)
        with closing(iter(self)) as rows:
            return next(islice(rows, position, None))

    def __repr__(self) -> str:
        return f"<StoredRows of {self._count}>"


def text_order(engine: Engine) -> Callable[[Any], Any]:
    """Wrap a text column so that ORDER BY sorts it by code point on every dialect."""
    if engine.dialect.name == "postgresql":
        return lambda column: column.collate("C")
    return lambda column: column  # SQLite compares UTF-8 bytes: code point order already
