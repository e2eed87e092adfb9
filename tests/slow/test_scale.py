"""Scale: a 100,000-page site crawled to completion by the real CLI within 400 MB."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.support.synthetic import synthetic_site

PAGES = 100_000
MAX_RSS_MB = 400
TIME = "/usr/bin/time"


def run_cli(args: list[str], workdir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `python -m siteaudit ARGS`; returns the result and the child's peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEAUDIT_")}
    env["SITEAUDIT_DATABASE_URL"] = f"sqlite:///{workdir / 'scale.db'}"
    env["SITEAUDIT_CONFIG"] = os.devnull
    command = [sys.executable, "-m", "siteaudit", *args]
    timing = workdir / "time.txt"
    if shutil.which(TIME):
        command = [TIME, "-f", "%M", "-o", str(timing), *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    if timing.exists():
        kb = int(timing.read_text().split()[-1])
    else:  # the largest child so far: right unless an earlier child was larger
        kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return done, kb / 1024


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_100000_page_site_crawls_to_completion_within_400_mb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with synthetic_site(PAGES) as site:
        started = time.monotonic()
        args = [site.url, "--max-pages", "200000", "--max-depth", "1000", "--quiet", "--json"]
        done, rss_mb = run_cli(["scan", *args], tmp_path)
        wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    db = sqlite3.connect(tmp_path / "scale.db")
    statuses = dict(db.execute("select status, count(*) from pages group by status").fetchall())
    db.close()
    with capsys.disabled():
        print(
            f"\nscale: {summary['pages']} pages in {wall:.0f} s ({summary['pages'] / wall:.0f}"
            f" pages/s), peak RSS {rss_mb:.0f} MB, statuses {statuses}, status"
            f" {summary['status']}"
        )
    assert summary["status"] in {"completed", "completed_with_errors"}, summary["error"]
    assert summary["pages"] == PAGES
    assert statuses == {200: PAGES - site.expected_404s(), 404: site.expected_404s()}
    assert rss_mb <= MAX_RSS_MB, f"peak RSS {rss_mb:.0f} MB > {MAX_RSS_MB} MB"
