"""A page that keeps its worker process busy forever cannot hang the scan.

Past the page time limit, the worker's own alarm stops the page: it is stored with the
`processing-timeout` error and the scan goes on. A page stuck where the alarm cannot reach
(native code; here, with SIGALRM blocked) gets its worker stopped by the pool's watchdog: the
page is kept with `processing-timeout` all the same, a new worker takes the other pages, and
the pages the stopped one had not stored are fetched again.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from siteaudit.checks.catalogue import CheckConfig
from siteaudit.demo.server import DemoServer
from siteaudit.engines import processing, runner
from siteaudit.engines.processing import PageJob, PageWorker, PoolProcessor
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.model import FetchedPage, ScanStatus
from siteaudit.model.report import PageRow
from siteaudit.settings import Settings

BASE = "http://127.0.0.1:9/"


def fetched(path: str) -> FetchedPage:
    return FetchedPage(
        url=BASE + path,
        final_url=BASE + path,
        status=200,
        headers=(("content-type", "text/html"),),
        body=b"<!DOCTYPE html><html lang=en><head><title>t</title></head><body>x</body></html>",
        encoding="utf-8",
    )


@pytest.fixture
def hangs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers (forked after this) never finish a page whose URL contains "hang"; with
    "stuck" in it, they also block SIGALRM first, as native code that never returns would."""
    original = PageWorker._process

    def process(self: PageWorker, page: FetchedPage, depth: int, found_via: str) -> object:
        if "stuck" in page.url:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        if "hang" in page.url:
            time.sleep(3600)
        return original(self, page, depth, found_via)

    monkeypatch.setattr(PageWorker, "_process", process)
    monkeypatch.setattr(processing, "KILL_AFTER_S", 1.0)
    monkeypatch.setattr(processing, "WATCH_EVERY_S", 0.1)


JOB = PageJob(BASE, (), (), 100, CheckConfig(), time_limit_s=0.5)


@pytest.mark.usefixtures("hangs_on")
def test_a_page_past_the_time_limit_is_kept_with_an_error_and_the_worker_goes_on() -> None:
    pool = PoolProcessor(JOB, 1)

    async def run() -> tuple[list[str | None], float]:
        try:
            await pool.warm_up()
            started = time.monotonic()
            hung = await pool.process(fetched("hang"), 1, "link")
            waited = time.monotonic() - started
            after = await pool.process(fetched("fine"), 1, "link")
            return [hung.error_code, hung.error_message, after.error_code], waited
        finally:
            pool.close()

    (code, message, after), waited = asyncio.run(run())
    assert code == "processing-timeout"
    assert message is not None
    assert "took more than 0.5 s" in message
    assert after is None
    assert waited < 5
    assert pool._workers[0].process.exitcode == 0  # it ran to the end of its input


@pytest.mark.usefixtures("hangs_on")
def test_a_page_the_alarm_cannot_reach_is_kept_with_an_error_and_its_worker_replaced() -> None:
    pool = PoolProcessor(JOB, 1)

    async def run() -> tuple[list[str | None], float, int | None]:
        try:
            await pool.warm_up()
            first = pool._workers[0].process.pid
            assert (await pool.process(fetched("fine"), 1, "link")).status == 200
            started = time.monotonic()
            stuck = await pool.process(fetched("hang-stuck"), 1, "link")
            waited = time.monotonic() - started
            after = await pool.process(fetched("fine-again"), 1, "link")
            assert pool._workers[0].process.pid != first  # a new worker
            return [stuck.error_code, stuck.error_message, after.error_code], waited, first
        finally:
            pool.close()

    (code, message, after), waited, _first = asyncio.run(run())
    assert code == "processing-timeout"
    assert message is not None
    assert f"processing {BASE}hang-stuck took more than 1.5 s and could not be interrupted" in (
        message
    )
    assert after is None
    assert waited < 10


def scan_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str) -> runner.ScanOutcome:
    monkeypatch.setattr(runner, "POOL_AFTER_PAGES", 0)  # every page in a worker process
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'scan.db'}")
    settings.crawl.page_time_limit_s = 0.5
    with DemoServer() as server:
        # A demo URL that exists: the worker hangs on it once fetched.
        spec = make_spec(settings, server.url + query, (), ())
        started = time.monotonic()
        outcome = run_scan(settings, spec)
    assert time.monotonic() - started < 60
    return outcome


def marked_page(outcome: runner.ScanOutcome, marker: str) -> PageRow:
    """The page whose URL holds `marker`, checked to carry `processing-timeout` while the
    scan completed and every other page of the demo shop (found through its sitemap) was
    audited as usual."""
    assert outcome.status == ScanStatus.COMPLETED_WITH_ERRORS, outcome.report.scan.error
    rows: dict[str, PageRow] = {row.url: row for row in outcome.report.pages}
    marked = [row for url, row in rows.items() if marker in url]
    assert [row.error_code for row in marked] == ["processing-timeout"]
    assert marked[0].status == 200  # fetched fine; only its processing was stopped
    others = [row for url, row in rows.items() if marker not in url]
    assert len(others) >= 15
    assert all(row.error_code != "processing-timeout" for row in others)
    assert sum(1 for row in others if row.title) >= 10
    return marked[0]


@pytest.mark.usefixtures("hangs_on")
def test_a_scan_with_a_page_that_never_finishes_completes_with_that_page_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = scan_with(tmp_path, monkeypatch, "?hang=1")
    marked_page(outcome, "hang=1")
    # Its response headers were still checked; it was fetched fine, so no fetch-error.
    checked = {f.check_id for f in outcome.report.findings if "hang=1" in f.url}
    assert "server-version" in checked
    assert "fetch-error" not in checked


@pytest.mark.usefixtures("hangs_on")
def test_a_scan_with_a_page_stuck_past_the_alarm_completes_with_that_page_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = scan_with(tmp_path, monkeypatch, "?hang-stuck=1")
    stuck = marked_page(outcome, "hang-stuck=1")
    assert "could not be interrupted" in (stuck.error_message or "")
