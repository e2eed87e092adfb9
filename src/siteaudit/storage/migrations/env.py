"""Alembic environment: runs the migrations on the connection `migrate()` hands over.

`siteaudit.storage.database.migrate` passes an open connection, already inside the
transaction that holds the migration lock, in `config.attributes["connection"]`. Run from
the `alembic` command line instead, the URL comes from `sqlalchemy.url`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from siteaudit.storage.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from siteaudit.storage.database import create_engine_for  # noqa: PLC0415 - CLI use only

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or call siteaudit.storage.migrate(engine)")
    engine = create_engine_for(url)
    with engine.connect() as own:
        _run(own)
        own.commit()
    engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
