"""`siteaudit report SCAN_ID`: a stored scan's reports written again, by the real CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support.sites import Site, html

from siteaudit.cli import main as cli

Run = Callable[..., subprocess.CompletedProcess[str]]


def shop(serve: Callable[..., Site]) -> Site:
    links = "".join(f'<a href="/p{n}">{n}</a>' for n in range(5))
    return serve({"/": html(links, "Shop")}, default=html("<img src=x.png>", "Product"))


def test_a_stored_scan_is_reported_again_in_the_formats_asked(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    site = shop(serve)
    scanned = siteaudit("scan", site.url, "--out", "first", "--quiet")
    assert scanned.returncode == 0, scanned.stderr
    again = siteaudit("report", "1", "--out", "again", "--format", "json,csv")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (workdir / "again").iterdir()) == ["findings.csv", "report.json"]
    first = json.loads((workdir / "first" / "report.json").read_text())
    second = json.loads((workdir / "again" / "report.json").read_text())
    assert second["pages"] == first["pages"] and second["findings"] == first["findings"]
    assert second["scores"] == first["scores"]
    assert (workdir / "again" / "findings.csv").read_bytes() == (
        workdir / "first" / "findings.csv"
    ).read_bytes()
    missing = siteaudit("report", "7")
    assert missing.returncode == 2 and "7" in missing.stderr


def test_an_interrupted_scan_is_reported_as_far_as_it_went(
    serve: Callable[..., Site], siteaudit: Run, workdir: Path, cli_env: dict[str, str]
) -> None:
    def slow(handler: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.1)
        n = int(str(getattr(handler, "path", "/")).strip("/p") or 0)
        return html(f'<a href="/p{2 * n + 1}">a</a><a href="/p{2 * n + 2}">b</a>')(handler)  # type: ignore[arg-type]

    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=slow)
    proc = subprocess.Popen(
        [sys.executable, "-m", "siteaudit", "scan", site.url, "--quiet"],
        cwd=workdir,
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)  # past the first flush of stored pages
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    result = siteaudit("report", "1", "--out", "partial")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "partial" / "report.json").read_text())
    stored = len(report["pages"])
    assert stored > 0
    assert result.stderr == (
        f"siteaudit: scan 1 is fetching: the reports cover the {stored:,} pages it stored\n"
    )


def test_ctrl_c_while_the_reports_are_written_says_how_to_write_them(
    serve: Callable[..., Site],
    workdir: Path,
    cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scan's process, in this one: Ctrl-C arrives as the reports are being written."""
    site = shop(serve)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(workdir)

    def interrupted(*_args: object, **_kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_finish", interrupted)
    monkeypatch.setattr(cli, "_exit", sys.exit)  # not the real exit's heap freeze
    result = CliRunner().invoke(cli.main, ["scan", site.url, "--quiet"])
    assert result.exit_code == 130
    assert result.stderr == (
        "siteaudit: interrupted while writing the reports of scan 1 (completed);"
        " `siteaudit report 1` writes them\n"
    )
