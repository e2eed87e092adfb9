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
import gc
import logging
import multiprocessing
import pickle
import signal
import socket
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import BinaryIO, Protocol

from siteaudit.checks.catalogue import Catalogue, CheckConfig, load_catalogue
from siteaudit.model import FetchedPage
from siteaudit.pipeline.analysis import PageAnalyzer
from siteaudit.pipeline.discovery import candidates
from siteaudit.pipeline.fetching import to_page
from siteaudit.pipeline.ports import LinkRecord, PageResult, PageRows
from siteaudit.pipeline.urls import Scope
from siteaudit.storage.codec import page_rows

logger = logging.getLogger(__name__)

# Seconds a worker gets to finish its page and exit once the pool closes.
STOP_GRACE_S = 5.0
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
    rows: PageRows


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
        self, job: PageJob, catalogue: Catalogue, processes: int, inline_pages: int
    ) -> None:
        self._job = job
        self._inline = InlineProcessor(job, catalogue)
        self._processes = processes
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
            self._pool = PoolProcessor(self._job, self._processes)
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

    def __init__(self, job: PageJob, processes: int) -> None:
        self._job = job
        self._processes = processes
        self._workers: list[_Channel] = []

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page in the least busy worker process."""
        channel = min(self._workers, key=_busy)
        return await channel.call(pickle.dumps((fetched, depth, found_via), _PROTOCOL))

    def warm_up(self) -> asyncio.Future[None]:
        """Start every worker now; the future is done when they all answered."""
        return asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        for _ in range(self._processes):
            ours, theirs = socket.socketpair()
            parent_ends = [ours, *(channel.sock for channel in self._workers)]
            process = context.Process(
                target=_serve, args=(self._job, theirs, parent_ends), daemon=True
            )
            process.start()
            theirs.close()
            reader, writer = await asyncio.open_unix_connection(sock=ours)
            self._workers.append(_Channel(process, ours, reader, writer))
        await asyncio.gather(*(channel.ready() for channel in self._workers))

    def close(self) -> None:
        """Stop the workers; pages still queued are dropped (the scan is over or cancelled)."""
        for channel in self._workers:
            channel.hang_up()
        for channel in self._workers:
            channel.reap()


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
        self._reader = reader
        self._writer = writer
        self._listener: asyncio.Task[None] | None = None
        self._lost: BaseException | None = None

    async def ready(self) -> None:
        """Wait for the worker's greeting (sent once its catalogue is built), then listen."""
        await _read_frame(self._reader)
        self._listener = asyncio.create_task(self._listen())

    async def call(self, request: bytes) -> ProcessedPage:
        """Send one request and wait for its answer."""
        if self._lost is not None:
            raise self._lost
        answer: asyncio.Future[ProcessedPage] = asyncio.get_running_loop().create_future()
        self.waiting.append(answer)
        self._writer.write(len(request).to_bytes(_HEADER, "big") + request)
        return await answer

    async def _listen(self) -> None:
        try:
            while True:
                ok, value = pickle.loads(await _read_frame(self._reader))
                answer = self.waiting.popleft()
                if answer.cancelled():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except Exception as exc:  # EOF or a broken frame: the worker is gone
            self._lost = BrokenProcessPool(f"worker process {self.process.pid} stopped: {exc}")
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

    def reap(self) -> None:
        """Wait for the worker to exit (killing it after a grace period)."""
        self.process.join(STOP_GRACE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    size = int.from_bytes(await reader.readexactly(_HEADER), "big")
    return await reader.readexactly(size)


def _serve(job: PageJob, sock: socket.socket, parent_ends: list[socket.socket]) -> None:
    """A worker process: greet, then answer one request at a time until the input ends."""
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
    # What exists now lives as long as the process: spare the collector's full passes it.
    gc.freeze()
    with sock, sock.makefile("rb") as requests, sock.makefile("wb") as answers:
        _write_frame(answers, b"")
        while (request := _read_request(requests)) is not None:
            _write_frame(answers, _answer(worker, request))


def _answer(worker: _Worker, request: bytes) -> bytes:
    fetched, depth, found_via = pickle.loads(request)
    try:
        return pickle.dumps((True, worker.process(fetched, depth, found_via)), _PROTOCOL)
    except Exception as exc:  # an engine bug: the parent raises it, and the scan fails
        try:
            return pickle.dumps((False, exc), _PROTOCOL)
        except Exception:  # an exception that cannot be pickled travels as its description
            return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), _PROTOCOL)


def _read_request(stream: BinaryIO) -> bytes | None:
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None  # the parent hung up
    return stream.read(int.from_bytes(header, "big"))


def _write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(len(payload).to_bytes(_HEADER, "big") + payload)
    stream.flush()
