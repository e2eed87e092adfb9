"""Persistence: SQLAlchemy tables, the scan store, Alembic migrations and artifacts.

Entrypoints call `open_store(url)` once and pass the store down; the pipeline sees it
only through the `ScanStore` port.
"""

from siteaudit.storage.artifacts import ArtifactStore, LocalArtifactStore, artifact_key
from siteaudit.storage.codec import scores_from_json, scores_to_json
from siteaudit.storage.database import create_engine_for, driver_words, migrate, open_store
from siteaudit.storage.errors import (
    ArtifactNotFoundError,
    ScanNotFoundError,
    StorageError,
    UnsupportedDatabaseError,
)
from siteaudit.storage.repository import SqlScanStore

__all__ = [
    "ArtifactNotFoundError",
    "ArtifactStore",
    "LocalArtifactStore",
    "ScanNotFoundError",
    "SqlScanStore",
    "StorageError",
    "UnsupportedDatabaseError",
    "artifact_key",
    "create_engine_for",
    "driver_words",
    "migrate",
    "open_store",
    "scores_from_json",
    "scores_to_json",
]
