"""A page that keeps its worker process busy forever cannot hang the scan.

The pool stops the worker once its current page passes the time limit; the scan ends
failed, naming the page and what to do about it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from siteaudit.checks.catalogue import CheckConfig
from siteaudit.demo.server import DemoServer
from siteaudit.engines import processing, runner
from siteaudit.engines.processing import PageJob, PageTimeoutError, PageWorker, PoolProcessor
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.model import FetchedPage, ScanStatus
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
    """Workers (forked after this) never finish a page whose URL contains "hang"."""
    original = PageWorker.process

    def process(self: PageWorker, page: FetchedPage, depth: int, found_via: str) -> object:
        if "hang" in page.url:
            time.sleep(3600)
        return original(self, page, depth, found_via)

    monkeypatch.setattr(PageWorker, "process", process)
    monkeypatch.setattr(processing, "PAGE_TIME_LIMIT_S", 1.0)
    monkeypatch.setattr(processing, "WATCH_EVERY_S", 0.1)


@pytest.mark.usefixtures("hangs_on")
def test_a_page_past_the_time_limit_stops_its_worker_and_names_the_page() -> None:
    pool = PoolProcessor(PageJob(BASE, (), (), 100, CheckConfig()), 1)

    async def run() -> tuple[str, float]:
        try:
            await pool.warm_up()
            assert (await pool.process(fetched("fine"), 1, "link")).status == 200
            started = time.monotonic()
            with pytest.raises(PageTimeoutError) as raised:
                await pool.process(fetched("hang"), 1, "link")
            return str(raised.value), time.monotonic() - started
        finally:
            pool.close()

    message, waited = asyncio.run(run())
    assert f"processing {BASE}hang took more than 1 s" in message
    assert "--exclude" in message
    assert waited < 10
    assert not pool._workers[0].process.is_alive()


@pytest.mark.usefixtures("hangs_on")
def test_a_scan_with_a_page_that_never_finishes_ends_failed_saying_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "POOL_AFTER_PAGES", 0)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'scan.db'}")
    with DemoServer() as server:
        # A demo URL that exists: the worker hangs on it once fetched.
        spec = make_spec(settings, server.url + "?hang=1", (), ())
        started = time.monotonic()
        outcome = run_scan(settings, spec)
    assert outcome.status == ScanStatus.FAILED
    assert outcome.report.scan.error is not None
    assert "hang=1 took more than 1 s" in outcome.report.scan.error
    assert time.monotonic() - started < 60
