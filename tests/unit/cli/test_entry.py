"""The `siteaudit` entry point: the CLI runs, and the collector is back on when it does."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from siteaudit.cli import entry
from siteaudit.model import ScanSpec
from siteaudit.storage import open_store


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


@pytest.mark.parametrize(
    ("code", "expected", "printed"), [(None, 0, ""), (0, 0, ""), (2, 2, ""), ("boom", 1, "boom\n")]
)
def test_an_exit_code_means_what_it_means_to_the_interpreter(
    code: object, expected: int, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry._exit_code(code) == expected
    assert capsys.readouterr().err == printed


def test_the_command_leaves_its_database_closed_and_its_output_written(tmp_path: Path) -> None:
    """`leave` skips the interpreter's teardown: it must still close SQLite (which folds
    its write-ahead log back into the file) and flush what was printed."""
    database = tmp_path / "scans.db"
    store = open_store(f"sqlite:///{database}")
    store.create_scan(ScanSpec("https://shop.example/"))
    store.engine.dispose()
    env = {**os.environ, "SITEAUDIT_DATABASE_URL": f"sqlite:///{database}"}
    env.pop("SITEAUDIT_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "siteaudit", "scans"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "https://shop.example/" in done.stdout  # printed, not lost in a buffer
    assert database.exists()
    assert not Path(f"{database}-wal").exists()  # checkpointed and removed at close
    bad = subprocess.run(
        [sys.executable, "-m", "siteaudit", "scan", "--max-pages", "0", "x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert bad.returncode == 2 and "max-pages" in bad.stderr  # click's usage error, as before


def test_ctrl_c_during_start_up_is_a_line_and_code_130_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C in the first half second (the imports) printed the import machinery's traceback.
    def interrupted() -> None:
        raise KeyboardInterrupt

    left: list[int] = []

    def leave(code: int) -> None:
        left.append(code)

    monkeypatch.setattr(entry, "run", interrupted)
    monkeypatch.setattr(entry, "leave", leave)
    entry.console()
    assert left == [130]
    assert capsys.readouterr().err == "siteaudit: interrupted\n"
