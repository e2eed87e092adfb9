"""The local, content-addressed artifact store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from siteaudit.storage import ArtifactNotFoundError, LocalArtifactStore


def test_stored_bytes_come_back_under_their_sha256(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    body = b"<html>\x00 body</html>"
    key = store.put(body)
    assert key == hashlib.sha256(body).hexdigest()
    assert store.get(key) == body
    assert store.has(key)
    assert (tmp_path / "artifacts" / key[:2] / key[2:4] / key).is_file()


def test_storing_the_same_bytes_twice_keeps_one_file_and_no_temporaries(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    assert store.put(b"same") == store.put(b"same")
    assert store.put(b"") == hashlib.sha256(b"").hexdigest()
    files = sorted(path.name for path in tmp_path.rglob("*") if path.is_file())
    assert files == sorted([hashlib.sha256(b"same").hexdigest(), hashlib.sha256(b"").hexdigest()])


def test_an_unknown_key_is_not_found(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    missing = "0" * 64
    assert not store.has(missing)
    with pytest.raises(ArtifactNotFoundError):
        store.get(missing)


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "ab", "/" + "0" * 63])
def test_a_malformed_key_never_reaches_the_file_system(tmp_path: Path, key: str) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    (tmp_path / "secret").write_bytes(b"x")
    assert not store.has(key)
    with pytest.raises(ArtifactNotFoundError):
        store.get(key)
