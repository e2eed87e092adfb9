"""Options of `siteaudit scan` that cannot work together are refused before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from siteaudit.cli.main import scan


@pytest.mark.parametrize("option", [["--out", "reports"], ["--fail-on", "high"]])
def test_a_submitted_celery_scan_refuses_options_that_act_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # Refused before the settings are read or a broker is reached: neither exists here.
    monkeypatch.setenv("SITEAUDIT_CONFIG", str(tmp_path / "missing.toml"))
    result = CliRunner().invoke(scan, ["http://127.0.0.1:9/", "--engine", "celery", *option])
    assert result.exit_code == 2
    assert "with --engine celery add --wait" in result.output
    assert "siteaudit report SCAN_ID --out FOLDER" in result.output
    assert not (tmp_path / "reports").exists()  # was made, and left empty
