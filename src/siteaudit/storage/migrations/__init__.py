"""Alembic migrations of the siteaudit schema (applied by `siteaudit.storage.migrate`)."""
