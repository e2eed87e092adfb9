"""E2E helpers: run the real CLI in a subprocess against sites served on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.sites import Route, Site


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def cli_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEAUDIT_")}
    env["SITEAUDIT_DATABASE_URL"] = f"sqlite:///{workdir / 'scans.db'}"
    env["SITEAUDIT_CONFIG"] = os.devnull
    env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "false"  # no traffic beyond 127.0.0.1
    return env


@pytest.fixture
def siteaudit(
    workdir: Path, cli_env: dict[str, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "siteaudit", *args],
            cwd=workdir,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def launch(
    workdir: Path, cli_env: dict[str, str]
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `siteaudit ARGS` in the background, its output captured as text; whatever the
    test left running is killed at its end, and the pipes are closed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "siteaudit", *args],
            cwd=workdir,
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)  # waits, and closes the pipes


@pytest.fixture
def serve() -> Iterator[Callable[..., Site]]:
    started: list[Site] = []

    def start(routes: dict[str, Route], default: Route | None = None) -> Site:
        site = Site(routes, default).__enter__()
        started.append(site)
        return site

    yield start
    for site in started:
        site.__exit__()
