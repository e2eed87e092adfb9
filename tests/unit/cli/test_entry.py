"""The `siteaudit` entry point: the CLI runs, and the collector is back on when it does."""

from __future__ import annotations

import gc

import pytest

from siteaudit.cli import entry


def test_the_entry_point_runs_the_cli_with_the_collector_enabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr("sys.argv", ["siteaudit", "--version"])
    original = gc.disable

    def disable() -> None:
        seen.append(gc.isenabled())
        original()

    monkeypatch.setattr(gc, "disable", disable)
    gc.unfreeze()

    try:
        with pytest.raises(SystemExit) as stop:
            entry.run()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual

    assert stop.value.code == 0
    assert "siteaudit, version" in capsys.readouterr().out
    assert seen == [True]  # paused once, for the import
    assert gc.isenabled()
    assert frozen > 0  # what the import made is out of the collections' way
