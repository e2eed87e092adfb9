"""Engines for SQLite and PostgreSQL, and the Alembic migrations applied at start-up.

`open_store(url)` is what entrypoints call: it builds the engine, brings the schema to the
newest revision and returns the store. Migrating is safe on every start (at head it only
reads the version table) and when several processes start at once: PostgreSQL serialises
them with a transaction-scoped advisory lock, SQLite with an immediate write transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config
from sqlalchemy.pool import StaticPool

from siteaudit.errors import os_words
from siteaudit.storage.errors import DatabaseUnavailableError, UnsupportedDatabaseError
from siteaudit.storage.repository import SqlScanStore
from siteaudit.storage.tables import metadata

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# SQLite reads the first 32 MiB of the file through a memory map. A scan's worker processes
# each write to the file, and each commit of one empties the others' page caches: mapped
# pages are read again without a copy or a system call (measured on the PostgreSQL manual:
# 0.05-0.1 s of a 2.9 s audit). Capped because mapped pages count in a process's RSS.
SQLITE_MMAP_BYTES = 32 * 1024 * 1024
# Any fixed 64-bit number works; this one is "siteaudt" in ASCII, unlikely to clash.
MIGRATION_LOCK_ID = 0x7369746561756474

# psycopg (3) is the PostgreSQL driver we ship; plain URLs would otherwise pick psycopg2.
_DRIVER_ALIASES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}


def create_engine_for(url: str) -> Engine:
    """An engine for a `sqlite:///path` or `postgresql+psycopg://...` URL, tuned for it."""
    parsed = _with_driver(make_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _create_sqlite_engine(parsed)
    elif backend == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        raise UnsupportedDatabaseError(parsed.render_as_string(hide_password=True))
    _ENGINES.add(engine)
    return engine


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def shared_database_url(store: object) -> str | None:
    """The URL another process can open `store`'s database with; None when it cannot.

    An SQL store on PostgreSQL or on an SQLite file qualifies; an in-memory SQLite database
    (it lives in one connection) and stores of other kinds do not.
    """
    if not isinstance(store, SqlScanStore) or isinstance(store.engine.pool, StaticPool):
        return None  # StaticPool: an in-memory SQLite database (see _create_sqlite_engine)
    return store.engine.url.render_as_string(hide_password=False)


def _forget_inherited_connections() -> None:
    """In a forked child, open new connections rather than share the parent's.

    A pooled connection (a socket to PostgreSQL, an SQLite handle with its file locks)
    belongs to the process that opened it; `dispose(close=False)` drops the child's copies
    without closing the parent's. An in-memory SQLite database lives in its one connection,
    which the child owns a copy of: that one is kept.
    """
    for engine in list(_ENGINES):
        if not isinstance(engine.pool, StaticPool):
            engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)


def close_engines() -> None:
    """Close every engine's pooled connections (a process about to leave without its
    interpreter's teardown, which would have closed them)."""
    for engine in list(_ENGINES):
        engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there.

    The usual start is one read of the version table, compared with the newest migration
    file's revision (files are named after their revision id): Alembic itself, a quarter of
    a second to import, is only loaded when there is something to migrate. A brand-new
    database (no tables at all) is created from the table definitions and stamped with the
    newest revision, as Alembic's cookbook recommends, without Alembic either; a test keeps
    that schema identical to the one the migrations build.
    """
    stored = _stored_revision(engine)
    if stored == head_revision():
        return  # the usual start: a read, no lock
    if stored is not None and stored not in _revisions():
        # Alembic's own words were a traceback: "Can't locate revision identified by ...".
        raise DatabaseUnavailableError(
            f"the database's schema is at revision {stored}, which this siteaudit does not"
            f" know (it knows up to {head_revision()}): a newer siteaudit wrote it. Upgrade"
            " siteaudit, or use another database (database_url, SITEAUDIT_DATABASE_URL)"
        )
    with engine.connect() as connection, connection.begin():
        _lock_for_migration(connection)
        # Under the lock: another process may have created or migrated it meanwhile.
        if not inspect(connection).get_table_names():
            create_at_head(connection)
            return
    from alembic import command  # noqa: PLC0415  (deferred: see above)

    config = make_alembic_config()
    with engine.connect() as connection, connection.begin():
        _lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_at_head(connection: Connection) -> None:
    """Create every table of an empty database and record it at the newest revision.

    A future migration that also writes rows (seed data) must write them here too: the
    schema test compares structure, not contents.
    """
    metadata.create_all(connection)
    connection.execute(
        text(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    connection.execute(
        text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head_revision()}
    )


def open_store(url: str) -> SqlScanStore:
    """Connect to `url`, migrate it to the newest schema and return the scan store."""
    engine = create_engine_for(url)
    try:
        migrate(engine)
    except BaseException as exc:
        engine.dispose()  # on any failure: nothing keeps a connection open
        if not isinstance(exc, OperationalError):
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        shown = make_url(url).render_as_string(hide_password=True)
        raise DatabaseUnavailableError(f"cannot open the database {shown}: {reason}") from exc
    return SqlScanStore(engine)


def driver_words(exc: BaseException) -> str:
    """A database error as its driver put it ("OperationalError: database or disk is
    full"), without SQLAlchemy's statement and parameters (a batch of page rows)."""
    cause = getattr(exc, "orig", None)
    shown = cause if isinstance(cause, Exception) else exc
    return f"{type(shown).__name__}: {shown}"


def head_revision() -> str:
    """The newest migration's revision id: the prefix of the highest-numbered version file."""
    return max(_revisions())


def _revisions() -> set[str]:
    """Every migration's revision id (the version files are named after theirs)."""
    names = (path.name for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py"))
    return {name.split("_", 1)[0] for name in names}


def _stored_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a new database."""
    with engine.connect() as connection:
        try:
            stored = connection.scalar(text("SELECT version_num FROM alembic_version"))
            return None if stored is None else str(stored)
        except (OperationalError, ProgrammingError) as exc:
            if _is_missing_table(exc):
                return None
            raise


def _is_missing_table(exc: OperationalError | ProgrammingError) -> bool:
    message = str(exc.orig).lower()
    return "no such table" in message or "does not exist" in message


def make_alembic_config() -> Config:
    """An Alembic configuration built in code: no alembic.ini is needed at run time."""
    from alembic.config import Config  # noqa: PLC0415  (deferred: see `migrate`)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _with_driver(url: URL) -> URL:
    alias = _DRIVER_ALIASES.get(url.drivername)
    return url.set(drivername=alias) if alias else url


def _create_sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if (
        database in ("", ":memory:")
        or "mode=memory" in database
        or url.query.get("mode") == "memory"
    ):
        # One shared connection, or every pooled connection would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        if not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                shown = url.render_as_string(hide_password=True)
                raise DatabaseUnavailableError(
                    f"cannot open the database {shown}: its folder cannot be created:"
                    f" {os_words(exc)}"
                ) from exc
        engine = create_engine(url)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL, which lets readers (API, progress) run while a scan writes.

    The switch is stored in the file, so only a new database really changes mode. When
    several processes open a new file at once, SQLite may answer "database is locked"
    without waiting for busy_timeout; retry until the timeout has passed.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Released by the commit that ends the migration, or by a crash.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    elif connection.dialect.name == "sqlite":
        # pysqlite would only BEGIN before the first DML; take the write lock up front so a
        # second process waits (busy_timeout) and then finds the schema already at head.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    logger.debug("migration lock taken", extra={"dialect": connection.dialect.name})
