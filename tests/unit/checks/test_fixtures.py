"""Every fixture page passes or fails the one check its folder is named after."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.checks.fixture_runner import fixture_files, run_fixture

from siteaudit.checks.builtin import BUILTIN

CHECKS = {item.id: item for item in BUILTIN}


@pytest.mark.parametrize(
    "path", fixture_files(), ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_fixture_gets_the_verdict_its_name_promises(path: Path) -> None:
    item = CHECKS[path.parent.name]
    messages, errors = run_fixture(item, path)
    assert errors == []
    if path.name.startswith("pass-"):
        assert messages == []
    else:
        assert path.name.startswith("fail-")
        assert messages, f"{item.id} found nothing wrong with {path.name}"
