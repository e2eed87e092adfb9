"""Errors raised by the storage layer.

Hierarchy::

    SiteauditError (siteaudit.errors)
    └── StorageError
        ├── DatabaseUnavailableError  the database cannot be opened or migrated
        ├── ScanNotFoundError      (also a LookupError) no scan has that id
        ├── ArtifactNotFoundError  (also a LookupError) no artifact has that key
        └── UnsupportedDatabaseError  (also a ValueError) not a SQLite or PostgreSQL URL
"""

from __future__ import annotations

from siteaudit.errors import SiteauditError


class StorageError(SiteauditError):
    """Base of every error the storage layer raises on purpose."""


class DatabaseUnavailableError(StorageError):
    """The database could not be reached, opened or migrated."""


class ScanNotFoundError(StorageError, LookupError):
    """No scan has the requested id."""

    def __init__(self, scan_id: int) -> None:
        super().__init__(f"no scan with id {scan_id}")
        self.scan_id = scan_id


class ArtifactNotFoundError(StorageError, LookupError):
    """No artifact is stored under the requested key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no artifact with key {key!r}")
        self.key = key


class UnsupportedDatabaseError(StorageError, ValueError):
    """The database URL names a backend other than SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")
        self.url = url
