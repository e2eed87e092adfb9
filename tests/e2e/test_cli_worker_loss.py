"""A worker process killed from outside during a real `siteaudit scan` (as the kernel's OOM
killer would) costs no page: the scan completes with every page of the site, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.sites import Site

SECTIONS = 20  # the home page links to 20 sections of 20 pages each
PAGES = 1 + SECTIONS + SECTIONS * SECTIONS


def children(pid: int) -> list[int]:
    """The child processes of `pid`, from /proc (Linux)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def test_killing_a_worker_mid_scan_loses_no_page(
    serve: Callable[..., Site],
    workdir: Path,
    cli_env: dict[str, str],
    launch: Callable[..., subprocess.Popen[str]],
) -> None:
    def page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.005)  # a few seconds of crawl in all: time to kill a worker midway
        path = handler.path
        if path == "/":
            hrefs = [f"/s{i}/" for i in range(SECTIONS)]
        elif path.endswith("/"):
            hrefs = [f"{path}p{j}" for j in range(SECTIONS)]
        else:
            hrefs = ["/"]
        links = "".join(f'<a href="{href}">{href}</a>' for href in hrefs)
        body = f"<html><head><title>{path}</title></head><body><p>{path}</p>{links}</body></html>"
        return 200, {"Content-Type": "text/html"}, body.encode()

    missing = lambda _handler: (404, {}, b"")  # noqa: E731
    site = serve(
        {"/robots.txt": missing, "/sitemap.xml": missing, "/llms.txt": missing}, default=page
    )
    cli_env["SITEAUDIT_CRAWL__MAX_PAGES"] = str(PAGES * 2)
    cli_env["SITEAUDIT_CRAWL__CONCURRENCY"] = "4"
    scan = launch("scan", site.url, "--out", "out", "--quiet")  # killed at the end if need be
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and (len(workers) < 2 or len(site.requests) < 100):
        workers = children(scan.pid)
        time.sleep(0.02)
    assert len(workers) >= 2, "the worker processes never started"
    assert len(site.requests) < PAGES, "the crawl ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    _out, err = scan.communicate(timeout=120)
    assert scan.returncode == 0, err
    assert f"worker process {workers[0]} died" in err
    report = json.loads((workdir / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["scan"]["status"] == "completed"
    urls = [page["url"] for page in report["pages"]]
    assert len(urls) == len(set(urls)) == PAGES
    assert all(page["error"] is None and page["title"] for page in report["pages"])
