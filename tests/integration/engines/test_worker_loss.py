"""A worker process that dies (the kernel kills it for its memory, native code crashes) costs
no page: a new worker takes its place, the pages waiting on it go to another one, and the
pages it had processed but not stored are fetched again. Real worker processes, killed with
SIGKILL, on SQLite and PostgreSQL where rows are stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.support.databases import BACKENDS, empty_database

from siteaudit.checks.catalogue import CheckConfig
from siteaudit.demo.server import DemoServer
from siteaudit.engines import page_worker, processing, runner
from siteaudit.engines.processing import (
    LostPage,
    PageJob,
    PageWorker,
    PoolProcessor,
    ProcessedPage,
    RowTarget,
)
from siteaudit.engines.runner import ScanOutcome, make_spec, run_scan
from siteaudit.model import FetchedPage, ScanSpec
from siteaudit.settings import Settings
from siteaudit.storage import open_store
from siteaudit.storage.database import shared_database_url

BASE = "http://127.0.0.1:9/"
JOB = PageJob(BASE, (), (), 100, CheckConfig())


def page(name: str) -> FetchedPage:
    body = f"<!DOCTYPE html><html lang=en><head><title>{name}</title></head><body>x</body></html>"
    return FetchedPage(
        url=BASE + name,
        final_url=BASE + name,
        status=200,
        headers=(("content-type", "text/html"),),
        body=body.encode(),
        encoding="utf-8",
    )


def kill(pool: PoolProcessor) -> int:
    """SIGKILL the pool's first worker; its pid."""
    pid = pool._workers[0].process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return pid


def test_a_dead_worker_is_replaced_and_the_next_pages_are_processed() -> None:
    pool = PoolProcessor(JOB, 1)

    async def run() -> tuple[list[str | None], int, int | None]:
        try:
            await pool.warm_up()
            dead = kill(pool)
            titles = []
            for name in ("a", "b", "c"):  # the first may reach the dead one: it goes on
                done = await asyncio.wait_for(pool.process(page(name), 1, "link"), 20)
                titles.append(done.error_code)
            return titles, dead, pool._workers[0].process.pid
        finally:
            pool.close()

    codes, dead, now = asyncio.run(run())
    assert codes == [None, None, None]
    assert now != dead


def test_a_page_that_kills_every_worker_it_reaches_is_kept_with_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = PageWorker._process

    def deadly(self: PageWorker, fetched: FetchedPage, depth: int, found_via: str) -> object:
        if "deadly" in fetched.url:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, fetched, depth, found_via)

    monkeypatch.setattr(PageWorker, "_process", deadly)
    pool = PoolProcessor(JOB, 2)

    async def run() -> list[tuple[str | None, str | None]]:
        try:
            await pool.warm_up()
            pages = [page("deadly"), page("fine-1"), page("fine-2"), page("fine-3")]
            done = await asyncio.wait_for(
                asyncio.gather(*(pool.process(p, 1, "link") for p in pages)), 60
            )
            return [(d.error_code, d.error_message) for d in done]
        finally:
            pool.close()

    (code, message), *rest = asyncio.run(run())
    assert code == "processing-crashed"
    assert message is not None
    assert "two worker processes died while auditing this page" in message
    assert rest == [(None, None)] * 3


def go_on_after_a_kill(pool: PoolProcessor, then: Callable[[], None] = lambda: None) -> None:
    """Start the pool, call `then`, kill its only worker, then process two pages."""

    async def run() -> None:
        try:
            await pool.warm_up()
            then()
            kill(pool)
            for name in ("a", "b"):
                await asyncio.wait_for(pool.process(page(name), 1, "link"), 20)
        finally:
            pool.close()

    asyncio.run(run())


def test_worker_processes_that_keep_dying_stop_the_scan_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(processing, "MAX_REPLACEMENTS", 0)
    with pytest.raises(processing.WorkersDiedError, match="worker processes died 1 times"):
        go_on_after_a_kill(PoolProcessor(JOB, 1))


def test_a_worker_that_cannot_be_replaced_stops_the_scan_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_more_processes(_pool: PoolProcessor) -> object:
        raise OSError(11, "Resource temporarily unavailable")

    def forks_fail_from_now() -> None:
        monkeypatch.setattr(PoolProcessor, "_fork", no_more_processes)

    with pytest.raises(processing.WorkersDiedError, match="no new worker process could be"):
        go_on_after_a_kill(PoolProcessor(JOB, 1), then=forks_fail_from_now)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as url:
        yield url


@contextmanager
def storing_pool(database: str, job: PageJob, processes: int) -> Iterator[PoolProcessor]:
    """A pool whose workers store their rows in `database`, for a new scan (the store is
    closed afterwards; the pool is the caller's to close)."""
    store = open_store(database)
    try:
        url = shared_database_url(store)
        assert url is not None
        yield PoolProcessor(job, processes, RowTarget(url, store.create_scan(ScanSpec(BASE))))
    finally:
        store.engine.dispose()


def test_the_pages_a_dead_worker_had_not_stored_are_given_back(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # every row stays held
    with storing_pool(database, JOB, 1) as pool:

        async def run() -> list[LostPage]:
            try:
                await pool.warm_up()
                for name in ("a", "b", "c"):
                    await pool.process(page(name), 2, "link")
                kill(pool)
                deadline = time.monotonic() + 20
                while not (lost := pool.take_lost()) and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                assert pool.take_lost() == []  # each given once
                return lost
            finally:
                pool.close()  # the replacement held nothing: no error

        lost = asyncio.run(run())
    assert [(p.url, p.depth, p.found_via) for p in lost] == [
        (BASE + name, 2, "link") for name in ("a", "b", "c")
    ]
    # What the engine counted of each, to take back before fetching it again.
    assert [p.done.status if p.done else None for p in lost] == [200, 200, 200]


def store_then_audit_c(
    database: str, job: PageJob, before_store: Callable[[PoolProcessor], None]
) -> tuple[ProcessedPage, list[LostPage]]:
    """Two workers storing their rows: each processes one page ("a", "b") and holds its
    rows; `before_store(pool)`, then both are asked to store, and page "c" is sent (to the
    first worker). The page "c" came back as, and the pages given back."""
    with storing_pool(database, job, 2) as pool:

        async def run() -> tuple[ProcessedPage, list[LostPage]]:
            try:
                await pool.warm_up()
                await asyncio.gather(*(pool.process(page(n), 2, "link") for n in ("a", "b")))
                before_store(pool)
                pool.store_now()
                done = await asyncio.wait_for(pool.process(page("c"), 2, "link"), 30)
                return done, pool.take_lost()
            finally:
                pool.close()

        return asyncio.run(run())


def pids(pool: PoolProcessor) -> list[str]:
    """The pool's workers' pids, the one the next page goes to first."""
    return [str(channel.process.pid) for channel in pool._workers]


def test_a_worker_dying_as_it_stores_rows_between_pages_blames_no_page(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # rows wait for store_now
    original = page_worker._RowWriter.flush
    deaths = tmp_path / "deaths"
    dying = tmp_path / "dying"  # the pids of the workers that die, in order

    def dies_storing(self: page_worker._RowWriter) -> None:
        # The two workers asked to store die as they start: the one "c" goes to first,
        # then the other, slowly enough that "c" waits on each in turn.
        order = dying.read_text().split() if dying.exists() else []
        if self.held and str(os.getpid()) in order:
            (deaths.with_suffix(f".{os.getpid()}")).touch()
            time.sleep(0.5 if str(os.getpid()) == order[0] else 1.5)
            os.kill(os.getpid(), signal.SIGKILL)
        original(self)

    monkeypatch.setattr(page_worker._RowWriter, "flush", dies_storing)
    done, lost = store_then_audit_c(
        database, JOB, lambda pool: dying.write_text(" ".join(pids(pool)))
    )
    assert len(list(tmp_path.glob("deaths.*"))) == 2
    # "c" waited on both dying workers, which were storing, not auditing it.
    assert (done.url, done.error_code) == (BASE + "c", None)
    assert sorted(page.url for page in lost) == [BASE + "a", BASE + "b"]


def one_worker_storing(
    database: str, work: Callable[[PoolProcessor], Awaitable[ProcessedPage]]
) -> tuple[ProcessedPage, list[LostPage]]:
    """A one-worker pool storing its rows in `database`: what `work(pool)` returned, and the
    pages given back to fetch again once its worker died."""
    with storing_pool(database, JOB, 1) as pool:

        async def run() -> tuple[ProcessedPage, list[LostPage]]:
            try:
                await pool.warm_up()
                done = await asyncio.wait_for(work(pool), 30)
                deadline = time.monotonic() + 20
                while not pool._replaced and time.monotonic() < deadline:  # a death, seen
                    await asyncio.sleep(0.05)
                return done, pool.take_lost()
            finally:
                pool.close()

        return asyncio.run(run())


def test_a_worker_dying_as_it_stores_the_batch_a_page_filled_blames_no_page(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_PAGES", 1)  # each page fills a batch
    original = page_worker._RowWriter.flush

    def dies_storing(self: page_worker._RowWriter) -> None:
        # The first two workers die as they store: a page blamed for both deaths would be
        # kept with `processing-crashed`.
        if self.held and len(list(tmp_path.glob("death.*"))) < 2:
            (tmp_path / f"death.{os.getpid()}").touch()
            os.kill(os.getpid(), signal.SIGKILL)
        original(self)

    monkeypatch.setattr(page_worker._RowWriter, "flush", dies_storing)
    done, lost = one_worker_storing(database, lambda pool: pool.process(page("a"), 2, "link"))
    # "a" was audited and answered before its worker died storing it: not blamed, only
    # given back (its rows were never stored).
    assert (done.url, done.error_code) == (BASE + "a", None)
    assert [(p.url, p.done.status if p.done else None) for p in lost] == [(BASE + "a", 200)]
    assert len(list(tmp_path.glob("death.*"))) == 1


def test_pages_stored_between_pages_are_not_given_back_when_their_worker_dies_later(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # rows wait for store_now

    async def store_two_then_die(pool: PoolProcessor) -> ProcessedPage:
        for name in ("a", "b"):
            await pool.process(page(name), 2, "link")
        pool.store_now()
        channel = pool._workers[0]
        deadline = time.monotonic() + 20
        while channel.unstored and time.monotonic() < deadline:  # until it says "stored"
            await asyncio.sleep(0.02)
        kill(pool)
        # The death is seen, at the latest, when "c" is sent to the dead worker.
        return await pool.process(page("c"), 2, "link")

    done, lost = one_worker_storing(database, store_two_then_die)
    assert (done.url, done.error_code) == (BASE + "c", None)
    assert lost == []  # "a" and "b" were stored: nothing to fetch again


def test_a_worker_stuck_storing_rows_is_stopped_and_blames_no_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # rows wait for store_now
    monkeypatch.setattr(processing, "KILL_AFTER_S", 0.5)  # with the job's 0.5 s: 1 s
    monkeypatch.setattr(processing, "STORE_GRACE_S", 1.0)  # for the close
    monkeypatch.setattr(processing, "WATCH_EVERY_S", 0.1)
    original = page_worker._RowWriter.flush
    stuck = tmp_path / "stuck"  # the pid of the worker whose database never answers

    def hangs(self: page_worker._RowWriter) -> None:
        if self.held and stuck.exists() and stuck.read_text() == str(os.getpid()):
            time.sleep(3600)
        original(self)

    monkeypatch.setattr(page_worker._RowWriter, "flush", hangs)
    started = time.monotonic()
    done, lost = store_then_audit_c(
        f"sqlite:///{tmp_path / 'scan.db'}",
        dataclasses.replace(JOB, time_limit_s=0.5),
        lambda pool: stuck.write_text(pids(pool)[0]),  # "c" goes there
    )
    assert time.monotonic() - started < 20
    assert (done.url, done.error_code) == (BASE + "c", None)
    assert [page.url for page in lost] == [BASE + "a"]  # the stuck worker's


def demo_scan(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> ScanOutcome:
    monkeypatch.setattr(runner, "POOL_AFTER_PAGES", 0)  # every page in a worker process
    settings = Settings(database_url=f"sqlite:///{tmp_path / (name + '.db')}")
    with DemoServer() as server:
        return run_scan(settings, make_spec(settings, server.url, (), ()))


def hold_rows_to_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers keep every page's rows until their input ends."""
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)
    monkeypatch.setattr(page_worker, "STORE_BATCH_PAGES", 10_000)
    # Not a long interval: the pool's first request to store always goes out (and when it
    # came between a dying worker's pages, fewer were left to fetch again: a flaky count).
    monkeypatch.setattr(processing._Channel, "store_now", lambda _channel: None)


def refetched_to_the_same_scan(outcome: ScanOutcome, expected: ScanOutcome) -> int:
    """Assert the disturbed scan stored what the undisturbed one did, its pages fetched
    twice counted once; the number of pages fetched again."""
    assert outcome.status == expected.status, outcome.report.scan.error
    assert pages_of(outcome) == pages_of(expected)
    assert findings_of(outcome) == findings_of(expected)
    counters = dict(outcome.report.scan.counters)
    refetched = counters.pop("fetch/refetched-after-worker-loss")
    assert counters == dict(expected.report.scan.counters)
    return refetched


def test_a_scan_whose_worker_is_killed_midway_stores_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = demo_scan(tmp_path, "undisturbed", monkeypatch)

    # Rows stay in the workers until the end; one worker is killed on its third page.
    hold_rows_to_the_end(monkeypatch)
    marker = tmp_path / "killed-once"
    original = PageWorker._process
    seen: list[str] = []

    def dies_once(self: PageWorker, fetched: FetchedPage, depth: int, found_via: str) -> object:
        seen.append(fetched.url)  # per process: each worker counts its own pages
        if len(seen) == 3 and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, fetched, depth, found_via)

    monkeypatch.setattr(PageWorker, "_process", dies_once)
    outcome = demo_scan(tmp_path, "disturbed", monkeypatch)

    assert marker.exists()
    # The worker had processed two pages before the one it died on, and stored neither.
    assert refetched_to_the_same_scan(outcome, expected) == 2


def test_a_worker_killed_as_it_stores_its_last_rows_costs_no_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = demo_scan(tmp_path, "undisturbed", monkeypatch)

    # Every row stays in the workers until the crawl ends; the first worker to store its
    # last ones is killed as it starts.
    hold_rows_to_the_end(monkeypatch)
    marker = tmp_path / "killed-once"
    original = page_worker._RowWriter.close

    def dies_once(self: page_worker._RowWriter) -> None:
        if self._held and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        original(self)

    monkeypatch.setattr(page_worker._RowWriter, "close", dies_once)
    outcome = demo_scan(tmp_path, "disturbed", monkeypatch)

    assert marker.exists()
    assert refetched_to_the_same_scan(outcome, expected) > 0


TIMED = {"ttfb-slow", "response-time-slow"}  # depend on this machine's load, not the pages


def pages_of(outcome: ScanOutcome) -> dict[str, tuple[int | None, str | None]]:
    """Each page's status and title by path (the two scans' servers have different ports)."""
    return {row.url.split("/", 3)[3]: (row.status, row.title) for row in outcome.report.pages}


def findings_of(outcome: ScanOutcome) -> list[tuple[str, str, str, str]]:
    origin = outcome.report.scan.start_url.rstrip("/")
    return sorted(
        (
            f.check_id,
            f.url.removeprefix(origin),
            f.locator.replace(origin, ""),
            f.message.replace(origin, ""),
        )
        for f in outcome.report.findings
        if f.check_id not in TIMED
    )
