"""`siteaudit report SCAN_ID`: a stored scan's reports written again, by the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.support.sites import Site, html, tree

from siteaudit.cli import main as cli

Run = Callable[..., subprocess.CompletedProcess[str]]
Launch = Callable[..., subprocess.Popen[str]]


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
    serve: Callable[..., Site], siteaudit: Run, workdir: Path, launch: Launch
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree(delay_s=0.1))
    proc = launch("scan", site.url, "--quiet")
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


@pytest.fixture
def interrupted_reports(
    workdir: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The CLI runs in this process, and a real SIGINT arrives as it writes the reports
    (the writer waits for it, so that it cannot arrive before or after). Python's own
    handler is installed for it: a test run started in the background by a shell without
    job control inherits SIGINT ignored, and the signal then did nothing."""
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(workdir)
    write = cli.write_reports

    def interrupted(*args: Any, **kwargs: Any) -> dict[str, Path]:
        os.kill(os.getpid(), signal.SIGINT)  # Python's own handler: KeyboardInterrupt
        time.sleep(5)  # the signal lands here
        return write(*args, **kwargs)

    monkeypatch.setattr(cli, "write_reports", interrupted)
    monkeypatch.setattr(cli, "_exit", sys.exit)  # not the real exit's heap freeze
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("interrupted_reports")
def test_ctrl_c_while_the_reports_are_written_says_how_to_write_them(
    serve: Callable[..., Site], workdir: Path
) -> None:
    result = CliRunner().invoke(cli.main, ["scan", shop(serve).url, "--quiet"])
    assert not (workdir / ".siteaudit" / "reports" / "scan-1").exists()
    assert result.exit_code == 130
    assert result.stderr == (
        "siteaudit: interrupted while writing the reports of scan 1 (completed);"
        " `siteaudit report 1` writes them\n"
    )


@pytest.mark.usefixtures("interrupted_reports")
def test_the_demo_says_the_same_when_ctrl_c_comes_as_its_reports_are_written(
    workdir: Path,
) -> None:
    result = CliRunner().invoke(cli.main, ["demo", "--json"])
    assert result.exit_code == 130
    assert result.stderr == (
        "siteaudit: interrupted while writing the reports of scan 1 (completed);"
        " `siteaudit report 1` writes them\n"
    )
    assert not (workdir / ".siteaudit" / "demo" / "report.json").exists()


def test_a_report_folder_that_cannot_exist_fails_before_the_scan(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    # It failed after the whole crawl, with a Python traceback.
    site = shop(serve)
    (workdir / "taken").write_text("a file, not a folder")
    scanned = siteaudit("scan", site.url, "--out", "taken/reports", "--quiet")
    assert scanned.returncode == 2
    assert scanned.stderr.strip() == (
        "siteaudit: error: cannot write reports to taken/reports: Not a directory: 'taken/reports'"
    )
    assert site.requests == []  # nothing was crawled


def test_reports_that_cannot_be_written_after_the_scan_say_how_to_write_them(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    # The default folder (.siteaudit/reports/scan-ID) is only known once the scan has an
    # id; a file in its way was a Python traceback after the crawl.
    site = shop(serve)
    (workdir / ".siteaudit").mkdir()
    (workdir / ".siteaudit" / "reports").write_text("a file, not a folder")
    scanned = siteaudit("scan", site.url, "--quiet")
    assert scanned.returncode == 2
    assert "Traceback" not in scanned.stderr
    assert scanned.stderr.strip() == (
        "siteaudit: error: could not write the reports to .siteaudit/reports/scan-1: Not a"
        " directory: '.siteaudit/reports/scan-1'; scan 1 is stored (completed):"
        " `siteaudit report 1 --out FOLDER` writes its reports"
    )
    again = siteaudit("report", "1", "--out", "elsewhere", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads((workdir / "elsewhere" / "report.json").read_text())["pages"]
