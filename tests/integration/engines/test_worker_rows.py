"""Worker processes that store their pages' rows themselves, on SQLite and PostgreSQL.

The event loop then never holds a database write; the rows must still all arrive, a pause
must not keep them in a worker, and a worker that cannot store them must say so.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.databases import BACKENDS, empty_database

from siteaudit.checks.catalogue import CheckConfig, load_catalogue
from siteaudit.engines import page_worker, processing
from siteaudit.engines.processing import (
    InlineProcessor,
    PageJob,
    PoolProcessor,
    ProcessedPage,
    RowTarget,
    WorkerStoreError,
)
from siteaudit.model import FetchedPage, ScanSpec
from siteaudit.storage import SqlScanStore, open_store
from siteaudit.storage.database import shared_database_url

BASE = "http://127.0.0.1:9/"
JOB = PageJob(BASE, (), (), 100, CheckConfig())


def page(n: int) -> FetchedPage:
    body = (
        f"<!DOCTYPE html><html lang=en><head><title>Page {n}</title></head><body>"
        f"<h1>Page {n}</h1><a href=/p{n + 1}>next</a><a href=/p{n - 1}>back</a></body></html>"
    )
    return FetchedPage(
        url=f"{BASE}p{n}",
        final_url=f"{BASE}p{n}",
        status=200,
        headers=(("content-type", "text/html; charset=utf-8"),),
        body=body.encode(),
        encoding="utf-8",
    )


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlScanStore]:
    with empty_database(request.param, tmp_path) as url:
        opened = open_store(url)
        try:
            yield opened
        finally:
            opened.engine.dispose()


def target(store: SqlScanStore) -> RowTarget:
    url = shared_database_url(store)
    assert url is not None
    return RowTarget(url, store.create_scan(ScanSpec(BASE)))


def run_pool(
    pool: PoolProcessor, pages: list[FetchedPage], then: Callable[[], None] = lambda: None
) -> list[ProcessedPage]:
    """Process `pages`, call `then` (the pool still open), close the pool: one event loop."""

    async def run() -> list[ProcessedPage]:
        try:
            await pool.warm_up()
            answers = await asyncio.gather(*(pool.process(p, 1, "link") for p in pages))
            then()
            return list(answers)
        finally:
            pool.close()  # the workers write what they still hold before they exit

    return asyncio.run(run())


def stored_titles(store: SqlScanStore, scan_id: int) -> dict[str, str | None]:
    return {p.url: p.title for p in store.load_report(scan_id).pages}


def test_workers_store_every_page_with_its_findings_and_links(store: SqlScanStore) -> None:
    rows_to = target(store)
    pages = [page(n) for n in range(1, 8)]
    answers = run_pool(PoolProcessor(JOB, 2, rows_to), pages)

    assert all(answer.rows is None for answer in answers)  # nothing came back to write
    assert stored_titles(store, rows_to.scan_id) == {
        p.url: f"Page {n}" for n, p in enumerate(pages, 1)
    }
    inline = InlineProcessor(JOB, load_catalogue())
    expected = [asyncio.run(inline.process(p, 1, "link")).rows for p in pages]
    report = store.load_report(rows_to.scan_id)
    assert len(report.findings) == sum(len(rows.findings) for rows in expected if rows)
    state = store.load_crawl_state(rows_to.scan_id)
    assert set(state.done) == {p.url for p in pages}
    assert f"{BASE}p8" in {url for url, _depth in state.pending}  # the last page's link


def test_a_worker_stores_the_rows_it_holds_once_requests_pause(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 0.2)  # inherited by the forked workers
    rows_to = target(store)
    seen: list[dict[str, str | None]] = []

    def wait_for_the_page() -> None:
        deadline = time.monotonic() + 10
        while not stored_titles(store, rows_to.scan_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(stored_titles(store, rows_to.scan_id))

    run_pool(PoolProcessor(JOB, 1, rows_to), [page(1)], then=wait_for_the_page)
    # Stored while the pool was still open: a slow crawl shows its pages as they come.
    assert seen == [{f"{BASE}p1": "Page 1"}]


def test_workers_asked_to_store_now_store_what_they_hold(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # held until asked
    rows_to = target(store)
    pool = PoolProcessor(JOB, 2, rows_to)
    seen: list[dict[str, str | None]] = []

    def ask_and_wait() -> None:
        assert stored_titles(store, rows_to.scan_id) == {}
        pool.store_now()
        deadline = time.monotonic() + 10
        while len(stored_titles(store, rows_to.scan_id)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(stored_titles(store, rows_to.scan_id))

    run_pool(pool, [page(n) for n in range(1, 5)], then=ask_and_wait)
    assert seen == [{f"{BASE}p{n}": f"Page {n}" for n in range(1, 5)}]


def test_a_worker_that_cannot_store_says_why_when_the_pool_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_PAGES", 1)  # every page is written at once
    empty = tmp_path / "no-schema.db"
    sqlite3.connect(empty).close()
    # Each worker's rows are refused and it ends; its pages go to a replacement, whose rows
    # are refused in turn (a database that recovers would have stored them).
    # The error names the database's refusal in its words even when the last worker's
    # notice came as the pool closed (not read then): a disk that filled up says so.
    refused = r"the database refused its rows: OperationalError: no such table: links\)"
    with pytest.raises(WorkerStoreError, match=r"\(" + refused + r".*--resume 1`"):
        run_pool(PoolProcessor(JOB, 1, RowTarget(f"sqlite:///{empty}", 1)), [page(1), page(2)])


def test_a_worker_whose_rows_are_refused_mid_crawl_is_replaced_saying_why(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_PAGES", 1)  # every page is written at once
    empty = tmp_path / "no-schema.db"
    sqlite3.connect(empty).close()
    pool = PoolProcessor(JOB, 1, RowTarget(f"sqlite:///{empty}", 1))
    # The workers' own log (forked processes: caplog does not see their records).
    to_stderr = logging.StreamHandler()
    logging.getLogger(page_worker.__name__).addHandler(to_stderr)
    request.addfinalizer(lambda: logging.getLogger(page_worker.__name__).removeHandler(to_stderr))

    processed: list[int] = []

    async def one_at_a_time() -> None:
        try:
            await pool.warm_up()
            for n in range(1, 6):
                await pool.process(page(n), 1, "link")
                processed.append(n)
        finally:
            pool.settle()  # the scan would fetch the refused pages again, inline

    # Each worker's rows are refused, in the database's words (not its SQL): the first is
    # replaced, the second ends the scan, saying why, though more replacements are allowed
    # for workers that die (each would fetch its unstored pages again, for nothing).
    assert processing.MAX_REPLACEMENTS > 2
    refused = r"the database refused its rows: OperationalError: no such table: links\)"
    with pytest.raises(
        processing.WorkersDiedError,
        match=r"refused the rows of 2 worker processes \(" + refused + r".*--resume",
    ):
        asyncio.run(one_at_a_time())
    assert processed == [1, 2]  # the third page found no worker
    assert [r.getMessage() for r in caplog.records if r.name == processing.__name__][:1] == [
        "the database refused its rows: OperationalError: no such table: links; 1 processed"
        " pages it had not stored are fetched again"
    ]
    # Each worker logged the refusal in the same words, not the statement and its rows.
    logged = capfd.readouterr().err
    assert "could not store its pages: OperationalError: no such table: links" in logged
    assert "INSERT" not in logged


def kill_first_worker(pool: PoolProcessor) -> None:
    """SIGKILL the pool's first worker and wait until it is gone."""
    worker = pool._workers[0].process
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)


def test_a_worker_killed_while_holding_rows_is_reported_when_the_pool_closes(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # the rows stay held
    rows_to = target(store)
    pool = PoolProcessor(JOB, 1, rows_to)

    with pytest.raises(WorkerStoreError, match=rf"exit code -9.*--resume {rows_to.scan_id}"):
        run_pool(pool, [page(1)], then=lambda: kill_first_worker(pool))
    assert stored_titles(store, rows_to.scan_id) == {}


def test_a_worker_killed_while_holding_rows_gives_them_back_when_the_pool_settles(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_worker, "STORE_BATCH_S", 3600.0)  # the rows stay held
    rows_to = target(store)
    pool = PoolProcessor(JOB, 2, rows_to)
    lost: list[list[tuple[str, int | None]]] = []

    def kill_one_and_settle() -> None:
        kill_first_worker(pool)
        pool.settle()  # the other worker stores its pages; the dead one's are given back
        lost.append([(p.url, p.done.status if p.done else None) for p in pool.take_lost()])

    pages = [page(n) for n in range(1, 7)]
    run_pool(pool, pages, then=kill_one_and_settle)  # and close: no error after settle
    stored = stored_titles(store, rows_to.scan_id)
    assert len(lost) == 1
    assert lost[0]  # the dead worker held pages
    assert all(status == 200 for _url, status in lost[0])
    # Every page is either stored (by the live worker) or given back, never both.
    assert sorted([*stored, *(url for url, _status in lost[0])]) == sorted(p.url for p in pages)
    assert pool.take_lost() == []


def test_a_pool_settled_while_it_warms_up_leaves_no_process_behind(
    store: SqlScanStore,
) -> None:
    # A small crawl can end before its pool is ready: the pool starts, and settles at once.
    pool = PoolProcessor(JOB, 3, target(store))

    async def run() -> None:
        warming = pool.warm_up()
        await asyncio.sleep(0)  # the first fork is under way
        pool.settle()
        await asyncio.wait([warming], timeout=10)
        assert warming.done()
        pool.close()

    asyncio.run(run())
    assert multiprocessing.active_children() == []
    assert pool.take_lost() == []


@pytest.mark.parametrize("death", ["mid-request", "answer-unread"])
def test_a_worker_whose_parent_dies_stores_what_it_holds_and_exits_quietly(
    store: SqlScanStore, death: str
) -> None:
    # The scan's process killed (kill -9, the kernel's OOM killer) while writing a request,
    # or with an answer unread: the worker read half a frame and raised EOFError, or its
    # read was reset; either way it printed a traceback into the user's terminal and exited
    # without storing the pages it held (a resume fetched them again).
    rows_to = target(store)
    ours, theirs = socket.socketpair()
    context = multiprocessing.get_context("fork")
    process = context.Process(target=page_worker.serve, args=(JOB, theirs, [ours], rows_to))
    process.start()
    theirs.close()
    with ours:
        assert page_worker._receive_frame(ours) == b""  # the greeting
        request = pickle.dumps((page(1), 1, "link"), page_worker.PICKLE_PROTOCOL)
        page_worker._send_frame(ours, request)
        assert page_worker._receive_frame(ours)  # answered; its rows held, not stored yet
        if death == "mid-request":
            ours.sendall(len(request).to_bytes(page_worker.FRAME_HEADER, "big") + request[:10])
        else:
            page_worker._send_frame(ours, pickle.dumps((page(2), 1, "link")))
            time.sleep(0.5)  # answered, and the answer left unread when we close
    process.join(30)
    assert process.exitcode == 0
    stored = stored_titles(store, rows_to.scan_id)
    assert stored == {f"{BASE}p{n}": f"Page {n}" for n in (1, 2)[: len(stored)]}
    assert f"{BASE}p1" in stored


def test_a_worker_whose_parent_hung_up_before_its_greeting_exits_quietly(
    store: SqlScanStore, capfd: pytest.CaptureFixture[str]
) -> None:
    # A worker forked as the pool closed (the crawl ending as a page proved the site large)
    # found its parent gone when it greeted: BrokenPipeError, and a traceback in the
    # user's terminal under a scan that had gone well (the fuzz suite, seed 845).
    ours, theirs = socket.socketpair()
    ours.close()  # hung up before the worker starts
    context = multiprocessing.get_context("fork")
    process = context.Process(target=page_worker.serve, args=(JOB, theirs, [ours], target(store)))
    process.start()
    theirs.close()
    process.join(30)
    assert process.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err


def test_only_databases_other_processes_can_open_are_shared(tmp_path: Path) -> None:
    memory = open_store("sqlite://")
    file = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert shared_database_url(memory) is None
        assert shared_database_url(file) == f"sqlite:///{tmp_path / 'a.db'}"
        assert shared_database_url(object()) is None
    finally:
        memory.engine.dispose()
        file.engine.dispose()
