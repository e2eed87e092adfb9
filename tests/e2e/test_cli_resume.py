"""`siteaudit scan --resume` after the scan process was killed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.sites import Site, tree

PAGES = 120


tree_page = tree(PAGES, delay_s=0.03)  # a binary tree of PAGES pages, a little slow
Run = Callable[..., subprocess.CompletedProcess[str]]
Launch = Callable[..., subprocess.Popen[str]]


def stored_urls(db: Path) -> set[str]:
    connection = sqlite3.connect(db)
    try:
        return {url for (url,) in connection.execute("select url from pages")}
    except sqlite3.OperationalError:  # not migrated yet
        return set()
    finally:
        connection.close()


def test_resume_after_sigkill_completes_without_refetching_stored_pages(
    serve: Callable[..., Site], workdir: Path, siteaudit: Run, launch: Launch
) -> None:
    # /loop, linked from the start page, cannot be fetched (a redirect loop): its error is
    # stored by the killed run, whose counters are lost with it.
    def loop(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": "/loop"}, b""

    # Slower: the first pages are stored a second in, and there must be time after that.
    slower = tree(PAGES, delay_s=0.06)

    def slower_tree_page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = slower(handler)
        if handler.path == "/":
            body = body.replace(b"</body>", b'<a href="/loop">loop</a></body>')
        return status, headers, body

    routes = {"/robots.txt": lambda _h: (404, {}, b""), "/loop": loop}
    site = serve(routes, default=slower_tree_page)
    db = workdir / "scans.db"
    proc = launch("scan", site.url, "--concurrency", "2", "--quiet")
    try:
        deadline = time.monotonic() + 60
        while not (db.exists() and {f"{site.url}loop", f"{site.url}p20"} <= stored_urls(db)):
            assert proc.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    before = stored_urls(db)
    assert 20 <= len(before) < PAGES
    listed = siteaudit("scans")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:2] == ["1", "interrupted (fetching)"]  # its process died
    assert "siteaudit scan --resume ID" in listed.stderr

    resumed = siteaudit("scan", "--resume", "1", "--json", "--out", "out")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "completed_with_errors"  # as in one run: /loop failed
    pages = {site.url} | {f"{site.url}p{i}" for i in range(1, PAGES)}
    assert summary["pages"] == PAGES + 1
    requests = Counter(site.requests)
    for url in before:
        path = "/" + url.split("/", 3)[3]
        assert requests[path] == 1, f"{path} was fetched again after it was stored"
    assert stored_urls(db) == pages | {f"{site.url}loop"}
    # The pages' outcomes count every stored page once, the killed run's too.
    counters = json.loads((workdir / "out" / "report.json").read_text())["scan"]["counters"]
    statuses = {k: v for k, v in counters.items() if k.startswith("fetch/status/")}
    assert statuses == {"fetch/status/200": PAGES, "fetch/status/302": 1}  # the loop: 302


def test_resume_refuses_a_scan_that_is_already_complete(
    serve: Callable[..., Site], siteaudit: Run
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


def stored_counters(db: Path, scan_id: int) -> dict[str, int]:
    connection = sqlite3.connect(db)
    try:
        row = connection.execute("select counters from scans where id = ?", (scan_id,)).fetchone()
    finally:
        connection.close()
    return dict(json.loads(row[0]))


def cancel_once_stored(proc: subprocess.Popen[str], db: Path, pages: int) -> None:
    """Interrupt the scan `proc` (SIGINT, as Ctrl-C) once `pages` pages are stored in `db`."""
    deadline = time.monotonic() + 60
    while not (db.exists() and len(stored_urls(db)) >= pages):
        assert proc.poll() is None, "the scan ended before it could be cancelled"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130


def test_a_cancelled_then_resumed_scan_counts_what_it_left_out_as_one_run_would(
    serve: Callable[..., Site], workdir: Path, siteaudit: Run, launch: Launch
) -> None:
    slow = tree(PAGES, delay_s=0.1)  # the cancel must land well before the crawl ends

    def slow_tree_page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = slow(handler)
        # And a link out of the scan's scope on every page.
        private = f'<a href="/private{handler.path}">x</a></body>'
        return status, headers, body.replace(b"</body>", private.encode())

    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=slow_tree_page)
    db = workdir / "scans.db"
    limits = ["--concurrency", "2", "--max-pages", "100", "--exclude", "/private/*", "--quiet"]
    # Past 50 pages the frontier has met its limit of 100 and counts what it keeps out.
    cancel_once_stored(launch("scan", site.url, *limits), db, 60)
    first = stored_counters(db, 1)
    assert first["discover/skipped/page-limit"] > 0  # the first run had counted some

    assert siteaudit("scan", "--resume", "1", "--quiet").returncode == 0
    assert siteaudit("scan", site.url, *limits).returncode == 0  # scan 2: one run

    discovery = ("robots/", "sitemap/")
    resumed, whole = stored_counters(db, 1), stored_counters(db, 2)
    assert {k: v for k, v in resumed.items() if k.startswith(discovery)} == {
        k: v for k, v in whole.items() if k.startswith(discovery)
    }
    # Each URL the page limit kept out counted once: the link targets in scope without a page.
    connection = sqlite3.connect(db)
    try:
        (unfetched,) = connection.execute(
            "select count(distinct target_url) from links where scan_id = 1 and target_url"
            " not in (select url from pages where scan_id = 1)"
            " and target_url not like '%/private/%'"
        ).fetchone()
    finally:
        connection.close()
    assert resumed["discover/skipped/page-limit"] == unfetched > 0
    # Links out of scope count once each, as they were found: one per page.
    assert resumed["discover/skipped/out-of-scope"] == 100 == whole["discover/skipped/out-of-scope"]
    assert sum(v for k, v in resumed.items() if k.startswith("fetch/status/")) == 100


def test_a_resumed_scan_crawls_the_pages_one_run_would_not_only_its_links(
    serve: Callable[..., Site], workdir: Path, siteaudit: Run, launch: Launch
) -> None:
    # A resume queued only the stored pages' link targets: the redirect targets and the
    # canonicals they had offered were never crawled, and links of a nofollow page were.
    slow = tree(40, delay_s=0.05)

    def tree_page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = slow(handler)
        path = handler.path
        extra = f'<a href="/old{path}">moved</a><a href="/note{path}">note</a></body>'
        canonical = f'<link rel="canonical" href="/canon{path}"></head>'
        body = body.replace(b"</body>", extra.encode()).replace(b"</head>", canonical.encode())
        return status, headers, body

    def plain(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path = handler.path
        if path.startswith("/old/"):
            return 301, {"Location": "/new/" + path.removeprefix("/old/")}, b""
        head = body = ""
        if path.startswith("/note/"):  # its link is stored, and not to be followed
            head = '<meta name="robots" content="nofollow">'
            body = f'<a href="/secret{path}">secret</a>'
        body = f"<html lang=en><head><title>{path}</title>{head}</head><body>{body}</body></html>"
        status = 200 if path.startswith(("/new/", "/canon/", "/note/")) else 404
        return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    routes = {"/robots.txt": lambda _h: (404, {}, b""), "/": tree_page}
    routes |= {"/p" + str(n): tree_page for n in range(1, 40)}
    site = serve(routes, default=plain)
    db = workdir / "scans.db"
    limits = ["--concurrency", "2", "--quiet"]
    cancel_once_stored(launch("scan", site.url, *limits), db, 30)
    assert siteaudit("scan", "--resume", "1", "--quiet").returncode == 0
    assert siteaudit("scan", site.url, *limits).returncode == 0  # scan 2: one run

    connection = sqlite3.connect(db)
    try:
        resumed, whole = (
            {url for (url,) in connection.execute("select url from pages where scan_id = ?", (n,))}
            for n in (1, 2)
        )
    finally:
        connection.close()
    assert not any("/secret/" in url for url in whole)
    assert len(whole) == 40 * 5  # tree pages, /old, /new, /canon and /note of each
    assert resumed == whole


def test_a_scan_still_running_is_not_resumed_by_a_second_process(
    serve: Callable[..., Site], siteaudit: Run, launch: Launch
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree(PAGES, delay_s=0.23))
    proc = launch("scan", site.url, "--concurrency", "2", "--quiet")
    while len(site.requests) < 5:
        assert proc.poll() is None, "the scan ended too soon"
        time.sleep(0.05)
    second = siteaudit("scan", "--resume", "1", "--quiet")
    assert second.returncode == 2
    assert second.stderr.startswith(
        f"siteaudit: error: scan 1 is still running (process {proc.pid}); stop it first"
    )
    listed = siteaudit("scans")
    assert listed.stdout.split("\t")[1] in ("discovering", "fetching")  # not interrupted
    assert proc.poll() is None
    # The refused process fetched nothing: a resumed run reads robots.txt first.
    assert site.requests.count("/robots.txt") == 1
