"""Where the CPU-bound part of a page runs: extraction, page checks and encoding its rows.

`InlineProcessor` runs them on the event loop's thread. `PoolProcessor` runs them in worker
processes so that parsing and checks use every core while the event loop keeps fetching;
each worker builds its own catalogue and analyser once (from the `CheckConfig`),
receives only the fetched response, its depth and how it was found, and answers with a
`ProcessedPage`: the few facts the engine acts on and the page's rows, ready to write.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import multiprocessing
import os
import pickle
import select
import signal
import socket
import time
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Protocol

from siteaudit.checks.catalogue import Catalogue, CheckConfig, load_catalogue
from siteaudit.model import FetchedPage
from siteaudit.pipeline.analysis import PageAnalyzer
from siteaudit.pipeline.discovery import candidates
from siteaudit.pipeline.fetching import to_page
from siteaudit.pipeline.ports import LinkRecord, PageResult, PageRows
from siteaudit.pipeline.urls import Scope
from siteaudit.storage import SqlScanStore, create_engine_for
from siteaudit.storage.codec import page_rows

logger = logging.getLogger(__name__)

# Seconds a worker gets to finish its page and exit once the pool closes.
STOP_GRACE_S = 5.0
# ... and to store the rows it still holds, when it stores them itself.
STORE_GRACE_S = 60.0
# A page whose extraction and checks take longer than this (a pathological document, a
# catastrophic regex) gets its worker process stopped and fails the scan, which would
# otherwise wait for it forever. Pages normally take milliseconds.
PAGE_TIME_LIMIT_S = 60.0
WATCH_EVERY_S = 1.0
# A worker storing its own rows writes them once it holds this many pages, or this long
# after the first of them (whichever comes first).
STORE_BATCH_PAGES = 50
STORE_BATCH_S = 0.5
_HEADER = 8  # bytes of the big-endian length before each pickled message


@dataclass(frozen=True, slots=True)
class ProcessedPage:
    """What the engine needs of one processed page: far less than the `Page` itself."""

    url: str
    status: int | None
    error_code: str | None
    error_message: str | None
    candidates: tuple[tuple[str, int, str], ...]  # (URL, depth, found via) for the frontier
    check_errors: tuple[tuple[str, str], ...]  # (check id, "ExceptionType: message")
    rows: PageRows | None  # None when a worker process stored them itself


@dataclass(frozen=True, slots=True)
class RowTarget:
    """Where worker processes store the rows of the pages they process: a database URL that
    other processes can open (a file or a server, not an in-memory database) and the scan."""

    url: str
    scan_id: int


class WorkerStoreError(RuntimeError):
    """A worker process ended without storing every page it had processed."""


class PageTimeoutError(RuntimeError):
    """A page kept its worker process busy past the time limit; the worker was stopped."""


class PageProcessor(Protocol):
    """Turns a fetched response into a `ProcessedPage`."""

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Extract, analyse and encode one page."""
        ...

    def close(self) -> None:
        """Release workers, if any."""
        ...


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything a worker needs to process pages of one scan (picklable)."""

    start_url: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    max_links: int
    checks: CheckConfig
    follow_nofollow: bool = False


class _Worker:
    """Extraction, analysis and encoding for one scan, built once per process (or inline)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self.scope = Scope.from_spec(job.start_url, job.include, job.exclude)
        self.max_links = job.max_links
        self.follow_nofollow = job.follow_nofollow
        self.analyzer = PageAnalyzer(catalogue.page_checks, job.start_url)

    def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        page = to_page(
            fetched, depth=depth, is_internal=self.scope.is_internal, max_links=self.max_links
        )
        analysis = self.analyzer.analyze(page)
        result = PageResult(
            page=page,
            findings=analysis.findings,
            not_applicable=analysis.not_applicable,
            check_errors=analysis.errors,
            found_via=found_via,
        )
        links = [
            LinkRecord(page.url, link.url, link.text, link.rel, link.internal)
            for link in page.links
        ]
        return ProcessedPage(
            url=page.url,
            status=page.status,
            error_code=page.error_code,
            error_message=page.error_message,
            candidates=tuple(candidates(page, depth, follow_nofollow=self.follow_nofollow)),
            check_errors=analysis.errors,
            rows=page_rows(result, links),
        )


class InlineProcessor:
    """Processes pages on the calling thread, with any catalogue (plugins, test checks)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self._worker = _Worker(job, catalogue)

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page now."""
        return self._worker.process(fetched, depth, found_via)

    def close(self) -> None:
        """Nothing to release."""


class AdaptiveProcessor:
    """Inline at first; worker processes once the scan passes `inline_pages` pages.

    At that point the pool starts (its workers are forked and build their catalogue on the
    other cores) and pages wait the few milliseconds until it is ready. They used to run
    inline meanwhile, but every page run inline holds the event loop, which the pool's own
    start-up needs: on the PostgreSQL manual 60 pages ran inline, 0.35 s of the loop's time.
    A small scan never pays for processes.
    """

    def __init__(
        self,
        job: PageJob,
        catalogue: Catalogue,
        processes: int,
        inline_pages: int,
        rows_to: RowTarget | None = None,
    ) -> None:
        self._job = job
        self._inline = InlineProcessor(job, catalogue)
        self._processes = processes
        self._rows_to = rows_to
        self._left = inline_pages
        self._pool: PoolProcessor | None = None
        self._warm: asyncio.Future[None] | None = None

    @property
    def pooled(self) -> bool:
        """True once pages go to worker processes."""
        warm = self._warm
        return self._pool is not None and warm is not None and warm.done() and not self._broken()

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page, inline or in a worker process."""
        if self._left > 0:
            self._left -= 1
        elif self._pool is None and self._warm is None:
            self._pool = PoolProcessor(self._job, self._processes, self._rows_to)
            self._warm = self._pool.warm_up()
        if self._pool is not None and self._warm is not None:
            await asyncio.wait([self._warm])  # never cancels the start-up itself
            if not self._broken():
                return await self._pool.process(fetched, depth, found_via)
            logger.warning(
                "worker processes could not start (%s); pages run in this process",
                self._warm.exception(),
            )
            self._pool.close()
            self._pool = None  # and _warm stays set: never try again in this scan
        return await self._inline.process(fetched, depth, found_via)

    def _broken(self) -> bool:
        assert self._warm is not None
        return self._warm.cancelled() or self._warm.exception() is not None

    def close(self) -> None:
        """Stop the workers, if they were started."""
        if self._pool is not None:
            self._pool.close()


class PoolProcessor:
    """Processes pages in `processes` worker processes, each behind a socket pair.

    No threads in this process: the event loop writes each request (a length-prefixed
    pickle) and reads each answer itself. ProcessPoolExecutor's feeder and manager threads
    pickled and unpickled under the GIL while the loop waited for it at every socket call:
    on the PostgreSQL manual its fetches' sends took 0.8 s instead of 0.05 s.

    Workers are forked from this process, so they start in milliseconds with every module
    already imported (a fork server spent half a second of CPU importing them again while
    pages waited inline). A worker only runs extraction, checks and pickling: it never
    touches the event loop, sockets, the database or DNS, so the locks other threads
    (aiodns, a progress display) might hold when it forks are never taken in it; logging
    re-initialises its own locks after a fork.
    """

    def __init__(self, job: PageJob, processes: int, rows_to: RowTarget | None = None) -> None:
        self._job = job
        self._processes = processes
        self._rows_to = rows_to
        self._workers: list[_Channel] = []
        self._watchdog: asyncio.Task[None] | None = None

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page in the least busy worker process."""
        channel = min(self._workers, key=_busy)
        request = pickle.dumps((fetched, depth, found_via), _PROTOCOL)
        return await channel.call(request, fetched.url)

    def warm_up(self) -> asyncio.Future[None]:
        """Start every worker now; the future is done when they all answered."""
        return asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        for _ in range(self._processes):
            ours, theirs = socket.socketpair()
            parent_ends = [ours, *(channel.sock for channel in self._workers)]
            process = context.Process(
                target=_serve, args=(self._job, theirs, parent_ends, self._rows_to), daemon=True
            )
            process.start()
            theirs.close()
            reader, writer = await asyncio.open_unix_connection(sock=ours)
            self._workers.append(_Channel(process, ours, reader, writer))
        await asyncio.gather(*(channel.ready() for channel in self._workers))
        self._watchdog = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        """Stop a worker whose current page has run past PAGE_TIME_LIMIT_S."""
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            for channel in self._workers:
                url = channel.overdue(PAGE_TIME_LIMIT_S)
                if url is not None:
                    channel.stop(
                        f"processing {url} took more than {PAGE_TIME_LIMIT_S:.0f} s, so its "
                        "worker process was stopped; exclude the URL (--exclude) and resume"
                    )

    def close(self) -> None:
        """Stop the workers; pages still queued are dropped (the scan is over or cancelled).

        Workers that store their own rows write what they hold before they exit; one that
        could not (its database failed, it was killed) raises WorkerStoreError here.
        """
        if self._watchdog is not None:
            self._watchdog.cancel()
        for channel in self._workers:
            channel.hang_up()
        grace = STOP_GRACE_S if self._rows_to is None else STORE_GRACE_S
        for channel in self._workers:
            channel.reap(grace)
        if self._rows_to is None:
            return
        lost = [c for c in self._workers if c.served and c.process.exitcode]
        if lost:
            why = lost[0].stop_reason or f"exit code {lost[0].process.exitcode}"
            raise WorkerStoreError(
                f"a worker process ended ({why}) before storing every page it had processed;"
                f" `siteaudit scan --resume {self._rows_to.scan_id}` fetches the missing ones"
                " again"
            )


_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _busy(channel: _Channel) -> int:
    return len(channel.waiting)


class _Channel:
    """One worker process seen from the event loop: requests out, answers back in order."""

    def __init__(
        self,
        process: BaseProcess,
        sock: socket.socket,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.process = process
        self.sock = sock
        self.waiting: deque[asyncio.Future[ProcessedPage]] = deque()
        self.urls: deque[str] = deque()  # the URL of each waiting request, in order
        self.busy_since = 0.0  # when the worker started on the first waiting request
        self.stop_reason: str | None = None
        self._reader = reader
        self._writer = writer
        self._listener: asyncio.Task[None] | None = None
        self._lost: BaseException | None = None
        self.served = False  # True once the worker greeted: it may hold rows from then on

    async def ready(self) -> None:
        """Wait for the worker's greeting (sent once its catalogue is built), then listen."""
        await _read_frame(self._reader)
        self.served = True
        self._listener = asyncio.create_task(self._listen())

    async def call(self, request: bytes, url: str) -> ProcessedPage:
        """Send one request (processing `url`) and wait for its answer."""
        if self._lost is not None:
            raise self._lost
        answer: asyncio.Future[ProcessedPage] = asyncio.get_running_loop().create_future()
        if not self.waiting:
            self.busy_since = time.monotonic()
        self.waiting.append(answer)
        self.urls.append(url)
        self._writer.write(len(request).to_bytes(_HEADER, "big") + request)
        return await answer

    def overdue(self, limit: float) -> str | None:
        """The URL the worker has been on for more than `limit` seconds, if any."""
        late = self.waiting and time.monotonic() - self.busy_since > limit
        return self.urls[0] if late and self.stop_reason is None else None

    def stop(self, reason: str) -> None:
        """Kill the worker; its waiting pages fail with PageTimeoutError(reason)."""
        self.stop_reason = reason
        self.process.kill()

    async def _listen(self) -> None:
        try:
            while True:
                ok, value = pickle.loads(await _read_frame(self._reader))
                answer = self.waiting.popleft()
                self.urls.popleft()
                self.busy_since = time.monotonic()  # the next request starts now
                if answer.cancelled():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except Exception as exc:  # EOF or a broken frame: the worker is gone
            if self.stop_reason is not None:
                self._lost = PageTimeoutError(self.stop_reason)
            else:
                pid = self.process.pid
                self._lost = BrokenProcessPool(f"worker process {pid} stopped: {exc}")
            for answer in self.waiting:
                if not answer.done():
                    answer.set_exception(self._lost)

    def hang_up(self) -> None:
        """Tell the worker to stop: it exits when it reads the end of its input."""
        if self._listener is not None:
            self._listener.cancel()
        for answer in self.waiting:
            answer.cancel()
        # shutdown() now, not at the loop's next turn: reap() waits for the worker.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self._writer.close()

    def reap(self, grace: float = STOP_GRACE_S) -> None:
        """Wait for the worker to exit (killing it after `grace` seconds)."""
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    size = int.from_bytes(await reader.readexactly(_HEADER), "big")
    return await reader.readexactly(size)


def _serve(
    job: PageJob,
    sock: socket.socket,
    parent_ends: list[socket.socket],
    rows_to: RowTarget | None = None,
) -> None:
    """A worker process: greet, then answer one request at a time until the input ends.

    With `rows_to`, it stores the rows of its pages itself, in batches, and answers without
    them; at the end of its input it stores what it still holds before exiting.
    """
    # The fork copied the parent's ends of every pair: closed here, the input ends when the
    # parent hangs up or dies, rather than never.
    for end in parent_ends:
        end.close()
    # Ctrl-C and a stop reach the whole process group; the parent decides how to stop (it
    # hangs up). The handlers inherited from the parent's event loop would report the
    # signal to that loop, as if the parent had received it twice.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    worker = _Worker(job, load_catalogue().configure(job.checks))
    rows = _RowWriter(rows_to) if rows_to is not None else None
    # What exists now lives as long as the process: spare the collector's full passes it.
    gc.freeze()
    with sock:
        _send_frame(sock, b"")
        while True:
            due = rows.due_in() if rows is not None else None
            if rows is not None and due is not None and not _readable(sock, due):
                rows.flush()  # no request for a while: store what is held
                continue
            request = _receive_frame(sock)
            if request is None:
                break  # the parent hung up
            _send_frame(sock, _answer(worker, request, rows))
    if rows is not None:
        try:
            rows.close()
        except Exception:
            logger.exception("worker process %d could not store its last pages", os.getpid())
            raise SystemExit(1) from None


class _RowWriter:
    """A worker's own writer: batches of page rows, each in one transaction."""

    def __init__(self, target: RowTarget) -> None:
        # The parent's pooled connections were dropped at the fork (storage.database).
        self._store = SqlScanStore(create_engine_for(target.url))
        self._scan_id = target.scan_id
        self._held: list[PageRows] = []
        self._first_at = 0.0

    def add(self, rows: PageRows) -> None:
        if not self._held:
            self._first_at = time.monotonic()
        self._held.append(rows)
        if len(self._held) >= STORE_BATCH_PAGES:
            self.flush()

    def due_in(self) -> float | None:
        """Seconds until the held rows must be written; None when none are held."""
        if not self._held:
            return None
        return max(0.0, self._first_at + STORE_BATCH_S - time.monotonic())

    def flush(self) -> None:
        held, self._held = self._held, []
        if held:
            self._store.save_page_rows(self._scan_id, held)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._store.engine.dispose()


def _answer(worker: _Worker, request: bytes, rows: _RowWriter | None = None) -> bytes:
    fetched, depth, found_via = pickle.loads(request)
    try:
        done = worker.process(fetched, depth, found_via)
        if rows is not None and done.rows is not None:
            rows.add(done.rows)  # may write a batch: its failure fails this page's answer
            done = dataclasses.replace(done, rows=None)
        return pickle.dumps((True, done), _PROTOCOL)
    except Exception as exc:  # an engine bug: the parent raises it, and the scan fails
        try:
            return pickle.dumps((False, exc), _PROTOCOL)
        except Exception:  # an exception that cannot be pickled travels as its description
            return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), _PROTOCOL)


def _readable(sock: socket.socket, timeout: float) -> bool:
    ready, _, _ = select.select([sock], [], [], timeout)
    return bool(ready)


def _receive_frame(sock: socket.socket) -> bytes | None:
    """The next length-prefixed frame; None when the input ended before one began."""
    header = _receive_exactly(sock, _HEADER)
    if header is None:
        return None
    payload = _receive_exactly(sock, int.from_bytes(header, "big"))
    if payload is None:
        raise EOFError("the parent hung up in the middle of a request")
    return payload


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = sock.recv_into(view[got:])
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(_HEADER, "big") + payload)
