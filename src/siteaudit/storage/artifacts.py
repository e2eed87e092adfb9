"""Content-addressed artifact storage: raw bodies, screenshots, rendered reports.

The key of an artifact is the SHA-256 of its bytes, so storing the same bytes twice is a
no-op and a key always means the same content. Files live under `root/ab/cd/<key>`, two
levels of 256 folders, so no folder grows past a few thousand entries.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from siteaudit.storage.errors import ArtifactNotFoundError

_KEY = re.compile(r"[0-9a-f]{64}")


class ArtifactStore(Protocol):
    """Stores bytes under the key of their content."""

    def put(self, data: bytes) -> str:
        """Store `data` (idempotent) and return its key."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; raises ArtifactNotFoundError."""
        ...

    def has(self, key: str) -> bool:
        """True when something is stored under `key`."""
        ...


def artifact_key(data: bytes) -> str:
    """The key of `data`: its SHA-256 as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


class LocalArtifactStore:
    """Artifacts as files in a local folder (implements `ArtifactStore`)."""

    def __init__(self, root: Path) -> None:
        """Store under `root`, which is created on the first write."""
        self.root = root

    def put(self, data: bytes) -> str:
        """Store `data` and return its key; concurrent writers of the same bytes are safe."""
        key = artifact_key(data)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: readers never see a partial file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; raises ArtifactNotFoundError."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ArtifactNotFoundError(key) from None

    def has(self, key: str) -> bool:
        """True when an artifact is stored under `key` (False for malformed keys)."""
        return _KEY.fullmatch(key) is not None and self._path(key).is_file()

    def _path(self, key: str) -> Path:
        # Keys may come from API requests: anything but 64 hex digits could escape root.
        if _KEY.fullmatch(key) is None:
            raise ArtifactNotFoundError(key)
        return self.root / key[:2] / key[2:4] / key
