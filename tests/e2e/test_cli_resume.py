"""`siteaudit scan --resume` after the scan process was killed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.support.sites import Site

PAGES = 120


def tree_page(handler: object) -> tuple[int, dict[str, str], bytes]:
    """Page n links to pages 2n+1 and 2n+2: a binary tree of PAGES pages, a little slow."""
    time.sleep(0.03)
    path = str(getattr(handler, "path", "/"))
    if path != "/" and not path.removeprefix("/p").isdigit():
        return 404, {"Content-Type": "text/plain"}, b"not found"
    n = 0 if path == "/" else int(path.removeprefix("/p"))
    links = "".join(f'<a href="/p{c}">p{c}</a>' for c in (2 * n + 1, 2 * n + 2) if c < PAGES)
    body = f"<html lang=en><head><title>Page {n}</title></head><body>{links}</body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def stored_urls(db: Path) -> set[str]:
    connection = sqlite3.connect(db)
    try:
        return {url for (url,) in connection.execute("select url from pages")}
    except sqlite3.OperationalError:  # not migrated yet
        return set()
    finally:
        connection.close()


def test_resume_after_sigkill_completes_without_refetching_stored_pages(
    serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree_page)
    db = workdir / "scans.db"
    command = [sys.executable, "-m", "siteaudit", "scan"]
    proc = subprocess.Popen(
        [*command, site.url, "--concurrency", "2", "--quiet"],
        cwd=workdir,
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (db.exists() and len(stored_urls(db)) >= 20):
            assert proc.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    before = stored_urls(db)
    assert 20 <= len(before) < PAGES

    resumed = subprocess.run(
        [*command, "--resume", "1", "--json", "--out", "out"],
        cwd=workdir,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "completed"
    assert summary["pages"] == PAGES
    requests = Counter(site.requests)
    for url in before:
        path = "/" + url.split("/", 3)[3]
        assert requests[path] == 1, f"{path} was fetched again after it was stored"
    assert stored_urls(db) == {site.url} | {f"{site.url}p{i}" for i in range(1, PAGES)}


def test_resume_refuses_a_scan_that_is_already_complete(
    serve: Callable[..., Site], siteaudit: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree_page)
    assert siteaudit("scan", site.url, "--quiet", "--max-pages", "3").returncode == 0
    again = siteaudit("scan", "--resume", "1")
    assert again.returncode == 2
    assert "already completed" in again.stderr
    missing = siteaudit("scan", "--resume", "99")
    assert missing.returncode == 2 and "no scan 99" in missing.stderr
    both = siteaudit("scan", site.url, "--resume", "1")
    assert both.returncode == 2 and "not both" in both.stderr
