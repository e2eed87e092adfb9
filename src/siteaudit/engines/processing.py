"""Where the CPU-bound part of a page runs: extraction, page checks and encoding its rows.

`InlineProcessor` runs them on the event loop's thread. `PoolProcessor` runs them in worker
processes so that parsing and checks use every core while the event loop keeps fetching;
each worker builds its own catalogue and analyser once (from the `CheckConfig`),
receives only the fetched response, its depth and how it was found, and answers with a
`ProcessedPage`: the few facts the engine acts on and, unless it stored them itself, the
page's rows, ready to write. This module is the event loop's side of the pool; what runs
inside a worker process is `engines/page_worker.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import pickle
import socket
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import NamedTuple, Protocol

from siteaudit.checks.catalogue import Catalogue
from siteaudit.crawl.errors import ErrorCode
from siteaudit.engines.page_worker import (
    EXIT_REFUSED,
    FRAME_HEADER,
    PICKLE_PROTOCOL,
    STORE_FAILED,
    STORED,
    STORING,
    PageJob,
    PageWorker,
    ProcessedPage,
    RowTarget,
    serve,
)
from siteaudit.model import FetchedPage
from siteaudit.storage import driver_words

logger = logging.getLogger(__name__)

__all__ = [
    "AdaptiveProcessor",
    "InlineProcessor",
    "LostPage",
    "PageJob",
    "PageProcessor",
    "PageWorker",
    "PoolProcessor",
    "ProcessedPage",
    "RowTarget",
    "WorkerStoreError",
    "WorkersDiedError",
]

# Seconds a worker gets to finish its page and exit once the pool closes.
STOP_GRACE_S = 5.0
# ... and to store the rows it still holds, when it stores them itself.
STORE_GRACE_S = 60.0
# A page past its time limit (`PageJob.time_limit_s`) is stopped by its worker's own alarm
# and stored with the `processing-timeout` error (engines/page_clock.py). One that is still
# running this long after the limit is stuck where the alarm cannot reach (native code): its
# worker process is stopped and replaced, and the page kept with `processing-timeout` too.
KILL_AFTER_S = 30.0
WATCH_EVERY_S = 1.0
# A worker storing rows between pages is stopped after the page bound plus this much per
# page it holds: a batch of 200 pages of 10,000 links each is two million rows.
STORE_S_PER_PAGE = 0.5
# Pages run inline only up to this size: the scan's own thread has no watchdog, and a parse
# may cost more than linear time in native code no signal interrupts (one element with
# 40,000 distinct attributes, 270 KB, takes Lexbor 2.8 s; 10 MB of them, an hour). Up to
# this size the worst case measured is under a second; a larger page goes to the workers,
# where the page time limit holds.
INLINE_MAX_BYTES = 128 * 1024
# A worker process that dies (killed by the kernel for its memory, a crash in native code,
# or stopped by the watchdog) is replaced, at most this many times in a scan; then the scan
# fails, since something keeps killing them.
MAX_REPLACEMENTS = 8
# A worker whose database refused its rows is replaced once: a second refusal (a full disk,
# a database gone read-only) ends the scan. Each replacement fetches the refused worker's
# unstored pages again (up to a batch, 200), so eight of them cost a site 1,800 requests
# for a scan that failed all the same.
MAX_REFUSALS = 2
# Requests sent to one worker and not answered yet, at most: AHEAD, as long as they hold
# no more than AHEAD_BYTES of pages, else AHEAD_MIN (the page it is on and the next, ready
# in its socket). A page waiting for a place keeps only its fetched body; sent, it is a
# pickle too and, until the worker reads it, a copy in the socket's buffer: sending every
# page at once, 14 of 16 fetched 8 MB pages waited as three copies (515 MB in the scan's
# process; 322 MB with two ahead). Four ahead keep the workers busy when the event loop is
# (two cost ~2% on the PostgreSQL manual's small pages).
AHEAD = 4
AHEAD_MIN = 2
AHEAD_BYTES = 2 * 1024 * 1024
# At most this often, workers storing their own rows are asked to store them now.
STORE_NOW_EVERY_S = 0.25
STORE_NOW = bytes(FRAME_HEADER)  # an empty frame: "store what you hold"


class WorkerStoreError(RuntimeError):
    """A worker process ended without storing every page it had processed."""


class WorkersDiedError(RuntimeError):
    """Worker processes kept dying: more replacements than `MAX_REPLACEMENTS` were needed,
    or the database refused the rows of `MAX_REFUSALS` of them."""


class _WorkerLostError(Exception):
    """The worker a page was waiting on died. `current` is True for the page it was on."""

    def __init__(self, reason: str, *, current: bool, stopped: bool) -> None:
        super().__init__(reason)
        self.current = current
        self.stopped = stopped  # by the watchdog, for passing the time limit


class LostPage(NamedTuple):
    """A page a worker process processed and died holding: the engine fetches it again,
    and takes back what it counted of it (`done`, None when the worker only failed it)."""

    url: str
    depth: int
    found_via: str
    done: ProcessedPage | None


class PageProcessor(Protocol):
    """Turns a fetched response into a `ProcessedPage`."""

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Extract, analyse and encode one page."""
        ...

    def store_now(self) -> None:
        """Have pages processed so far stored soon, rather than when a batch fills up."""
        ...

    def take_lost(self) -> list[LostPage]:
        """Pages processed by a worker process that died before storing them, each given
        once: the engine fetches them again."""
        ...

    def settle(self) -> None:
        """Have every page processed so far stored, as the crawl ends: pages a worker process
        died holding become lost (`take_lost`); pages processed after this run inline."""
        ...

    def close(self) -> None:
        """Release workers, if any."""
        ...


class InlineProcessor:
    """Processes pages on the calling thread, with any catalogue (plugins, test checks)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self._worker = PageWorker(job, catalogue)

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page now."""
        return self._worker.process(fetched, depth, found_via)

    def store_now(self) -> None:
        """Nothing held: the engine stores what comes back."""

    def take_lost(self) -> list[LostPage]:
        """Nothing is ever lost here."""
        return []

    def settle(self) -> None:
        """Nothing held: the engine stores what comes back."""

    def close(self) -> None:
        """Nothing to release."""


class AdaptiveProcessor:
    """Inline at first; worker processes once the scan passes `inline_pages` pages.

    At that point the pool starts (its workers are forked and build their catalogue on the
    other cores) and pages wait the few milliseconds until it is ready. It starts sooner
    when an inline page links to `inline_pages` URLs or more (the site is evidently not
    small): it then warms up while the rest of the inline pages run, and takes the pages
    from the first one after it is ready (20 ms sooner on the PostgreSQL manual). Pages do
    not run inline beyond `inline_pages` while it warms up: every page run inline holds the
    event loop, which the pool's own start-up needs (on the PostgreSQL manual 60 pages once
    ran inline that way, 0.35 s of the loop's time). A small scan never pays for processes,
    unless it has a page larger than `INLINE_MAX_BYTES`: that one waits for the workers.
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
        self._left = self._inline_pages = inline_pages
        self._pool: PoolProcessor | None = None
        self._warm: asyncio.Future[None] | None = None

    @property
    def pooled(self) -> bool:
        """True once pages go to worker processes."""
        warm = self._warm
        pool = self._pool
        ready = pool is not None and not pool.settled and warm is not None and warm.done()
        return ready and not self._broken()

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page, inline or in a worker process."""
        if self._left > 0 and not self.pooled and len(fetched.body) <= INLINE_MAX_BYTES:
            self._left -= 1
            done = await self._inline.process(fetched, depth, found_via)
            # A page linking to as many URLs as run inline proves the site large: the pool
            # starts now and warms up while the remaining inline pages run.
            if self._left == 0 or len(done.candidates) >= self._inline_pages:
                self._start()
            return done
        self._start()
        if self._pool is not None and not self._pool.settled and self._warm is not None:
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

    def store_now(self) -> None:
        """Ask the worker processes, once running, to store what they hold."""
        if self.pooled:
            assert self._pool is not None
            self._pool.store_now()

    def take_lost(self) -> list[LostPage]:
        """Pages a dead worker process had not stored."""
        return self._pool.take_lost() if self._pool is not None else []

    def settle(self) -> None:
        """Stop the worker processes once they stored what they hold; later pages run
        inline (those a worker died holding, fetched again)."""
        if self._pool is not None:
            self._pool.settle()

    def _start(self) -> None:
        if self._pool is None and self._warm is None:
            self._pool = PoolProcessor(self._job, self._processes, self._rows_to)
            self._warm = self._pool.warm_up()

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
        self._workers: list[_Channel] = []  # those taking pages (greeted, alive)
        self._forked: list[_Channel] = []  # every live one, greeted or not yet
        self._watchdog: asyncio.Task[None] | None = None
        self._asked_to_store = -STORE_NOW_EVERY_S
        self._settled = False
        self._warming: asyncio.Future[None] | None = None
        self._replacing: asyncio.Future[None] | None = None
        self._replaced = 0
        self._refusals = 0  # workers that ended because their database refused their rows
        self._lost: list[LostPage] = []  # processed, never stored: fetch again
        self._last_death: str | None = None  # why the last worker that died did
        self._refusal: str | None = None  # the last refused store a dead worker told of
        self._crashed: set[str] = set()  # pages that were on a worker when it died
        self._waiters: deque[asyncio.Future[None]] = deque()  # pages waiting for room

    async def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """Process one page in the least busy worker process.

        When its worker dies first, the page goes to another one (a replacement is started),
        except the page the worker was on: past the time limit (the watchdog stopped it) it
        is kept with `processing-timeout`; a page that was on two dying workers is kept
        with `processing-crashed`.
        """
        failed: bytes | None = None  # the request that keeps the page with its error
        entry = (fetched.url, depth, found_via)
        while True:
            channel = await self._with_room(len(fetched.body))
            try:
                # Pickled once a worker has room for it, and again if it must go to another
                # one: no pickle is kept while its page is processed (`_Channel.call`).
                return await channel.call(
                    failed or pickle.dumps((fetched, depth, found_via), PICKLE_PROTOCOL), entry
                )
            except _WorkerLostError as lost:
                if lost.current and (lost.stopped or fetched.url in self._crashed):
                    code = (
                        ErrorCode.PROCESSING_TIMEOUT
                        if lost.stopped
                        else ErrorCode.PROCESSING_CRASHED
                    )
                    failed = _failed_request(fetched, depth, found_via, code, str(lost))
                elif lost.current:
                    self._crashed.add(fetched.url)

    async def _with_room(self, size: int) -> _Channel:
        """The least busy worker once it has room for a page of `size` bytes (`AHEAD`;
        backpressure: a page waits here, not as a pickle in a socket's buffer). Pages wait in
        turn, and an answer wakes one of them: waking all of them at every answer cost more
        CPU than it saved."""
        woken = False
        while True:
            await self._replacements()
            channel = min(self._workers, key=_busy)
            if channel.has_room(size) and (woken or not self._waiters):
                return channel
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:  # the scan is stopping
                if waiter.done() and not waiter.cancelled():
                    self._made_room()  # woken as it was cancelled: the next page's turn
                raise
            woken = True

    def _made_room(self, *, everyone: bool = False) -> None:
        """A worker answered (the next page in turn looks again) or died or joined (every
        waiting page looks again: there may be no worker left, or new room)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not everyone:
                    return

    def take_lost(self) -> list[LostPage]:
        """Pages processed by a worker that died before storing them (each given once)."""
        lost, self._lost = self._lost, []
        return lost

    @property
    def settled(self) -> bool:
        """True once `settle` stopped the workers."""
        return self._settled

    def store_now(self) -> None:
        """Ask each worker to store the rows it holds now (it does not answer), at most once
        every `STORE_NOW_EVERY_S`: when the frontier runs dry the crawl is usually ending,
        and rows stored while its last pages are fetched are rows the close need not wait
        for (PostgreSQL manual: the workers held ~100 pages each when it closed)."""
        now = time.monotonic()
        if self._rows_to is None or now - self._asked_to_store < STORE_NOW_EVERY_S:
            return
        self._asked_to_store = now
        for channel in self._workers:
            channel.store_now()

    def warm_up(self) -> asyncio.Future[None]:
        """Start every worker now; the future is done when they all answered."""
        self._warming = asyncio.ensure_future(self._start())
        return self._warming

    async def _start(self) -> None:
        started = [await self._fork() for _ in range(self._processes)]
        await asyncio.gather(*(channel.ready() for channel in started))
        self._workers.extend(started)
        self._made_room(everyone=True)
        self._watchdog = asyncio.create_task(self._watch())

    async def _fork(self) -> _Channel:
        """A new worker process behind a socket pair (taking pages once `ready`)."""
        context = multiprocessing.get_context("fork")
        ours, theirs = socket.socketpair()
        # The new worker closes its copies of our ends of every pair, so that each worker's
        # input ends when we hang up.
        parent_ends = [ours, *(channel.sock for channel in self._forked)]
        process = context.Process(
            target=serve, args=(self._job, theirs, parent_ends, self._rows_to), daemon=True
        )
        process.start()
        theirs.close()
        try:
            reader, writer = await asyncio.open_unix_connection(sock=ours)
        except BaseException:  # cancelled (the scan is closing): leave no worker behind
            ours.close()
            process.kill()
            process.join()
            raise
        channel = _Channel(
            process, ours, reader, writer, on_death=self._died, on_answer=self._made_room
        )
        self._forked.append(channel)
        return channel

    def _died(self, channel: _Channel, why: str) -> None:
        """A worker's answers ended: take it out, note the pages whose rows it held, and
        start its replacement (pages waiting on it go to the others meanwhile)."""
        if channel not in self._workers:
            return
        self._workers.remove(channel)
        self._forked.remove(channel)
        self._made_room(everyone=True)  # its pages go to the others or its replacement
        channel.hang_up()
        channel.reap(0)
        self._lost.extend(channel.unstored)
        self._last_death = why
        refused = channel.refused()
        if refused is not None:
            self._refusal = refused
            self._refusals += 1
        logger.warning(
            "%s; %d processed pages it had not stored are fetched again",
            why,
            len(channel.unstored),
        )
        if self._refusals >= MAX_REFUSALS:
            self._fail_replacing(
                f"the database refused the rows of {self._refusals} worker processes ({why});"
                " the scan stops rather than fetch their pages again: once the database"
                " takes rows again (free disk space, say), `siteaudit scan --resume`"
                " continues it"
            )
            return
        if self._replaced >= MAX_REPLACEMENTS:
            self._fail_replacing(
                f"worker processes died {self._replaced + 1} times ({why}); the scan "
                f"stops rather than start more: `siteaudit scan --resume` continues it"
            )
            return
        self._replaced += 1
        previous = self._replacing

        async def replace() -> None:
            if previous is not None:
                await previous
            try:
                channel = await self._fork()
                await channel.ready()
            except (OSError, EOFError) as exc:  # no process to be had (or it died at once)
                raise WorkersDiedError(
                    f"{why}, and no new worker process could be started ({exc}); "
                    "`siteaudit scan --resume` continues the scan"
                ) from exc
            self._workers.append(channel)
            self._made_room(everyone=True)

        self._replacing = asyncio.ensure_future(replace())

    def _fail_replacing(self, why: str) -> None:
        """Start no replacement: the next page that needs a worker raises WorkersDiedError."""
        self._replacing = asyncio.get_running_loop().create_future()
        self._replacing.set_exception(WorkersDiedError(why))

    async def _replacements(self) -> None:
        """Wait for a replacement under way when no worker is left, and raise its failure."""
        replacing = self._replacing
        if replacing is not None and (replacing.done() or not self._workers):
            await asyncio.shield(replacing)

    async def _watch(self) -> None:
        """Stop a worker whose current page ignored its time limit for KILL_AFTER_S more, or
        which has been storing rows for as long (a database that stopped answering)."""
        limit = self._job.time_limit_s + KILL_AFTER_S
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            for channel in self._workers:
                reason = channel.overdue(limit)
                if reason is not None:
                    channel.stop(reason)

    def settle(self) -> None:
        """Stop the workers once each stored what it holds. The pages of one that could not
        (killed meanwhile, its database failing) are lost: `take_lost` gives them back."""
        if self._settled:
            return
        for channel in self._stop():
            self._lost.extend(channel.unstored)
            logger.warning(
                "a worker process ended (%s) before storing %d processed pages; they are"
                " fetched again",
                channel.end_reason(self._known_refusal()),
                len(channel.unstored),
            )
        self._settled = True

    def close(self) -> None:
        """Stop the workers; pages still queued are dropped (the scan is over or cancelled).

        Workers that store their own rows write what they hold before they exit; one that
        could not (its database failed, it was killed) raises WorkerStoreError here, unless
        `settle` ran first (it gives such pages back instead).
        """
        if self._settled:
            return
        self._settled = True
        lost = self._stop()
        if self._rows_to is None or not (lost or self._lost):
            return
        why = (
            lost[0].end_reason(self._known_refusal())
            if lost
            else (self._last_death or "it died after the crawl's last page")
        )
        raise WorkerStoreError(
            f"a worker process ended ({why}) before storing every page it had processed;"
            f" `siteaudit scan --resume {self._rows_to.scan_id}` fetches the missing ones"
            " again"
        )

    def _known_refusal(self) -> str | None:
        """The latest refused store a worker told of, in the database's words."""
        live = (why for c in reversed(self._forked) if (why := c.refused()))
        return next(live, self._refusal)

    def _stop(self) -> list[_Channel]:
        """Hang up on every worker and wait for it; those that ended holding rows."""
        if self._warming is not None:
            self._warming.cancel()  # a crawl can end before its pool is ready: fork no more
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._replacing is not None:
            self._replacing.cancel()
        for channel in self._forked:
            channel.hang_up()
        grace = STOP_GRACE_S if self._rows_to is None else STORE_GRACE_S
        for channel in self._forked:
            channel.reap(grace)
        if self._rows_to is None:
            return []
        return [c for c in self._forked if c.served() and c.process.exitcode and c.unstored]


def _busy(channel: _Channel) -> int:
    return len(channel.waiting)


def _failed_request(
    fetched: FetchedPage, depth: int, found_via: str, code: ErrorCode, reason: str
) -> bytes:
    """A request for the page's HTTP facts only, with `code` (see `PageWorker.process`)."""
    why = {
        ErrorCode.PROCESSING_TIMEOUT: f"{reason}: its HTML is not audited",
        ErrorCode.PROCESSING_CRASHED: (
            f"two worker processes died while auditing this page (the last: {reason}): "
            "its HTML is not audited"
        ),
    }[code]
    failed = dataclasses.replace(
        fetched, error_code=code.value, error_message=why + " and its links are not followed"
    )
    return pickle.dumps((failed, depth, found_via), PICKLE_PROTOCOL)


Entry = tuple[str, int, str]  # a page as the frontier knows it: URL, depth, found via


class _Channel:
    """One worker process seen from the event loop: requests out, answers back in order."""

    def __init__(
        self,
        process: BaseProcess,
        sock: socket.socket,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        on_death: Callable[[_Channel, str], None],
        on_answer: Callable[[], None],
    ) -> None:
        self.process = process
        self.sock = sock
        # Each request sent and not answered yet, in order: its answer, its page, its size.
        self.waiting: deque[tuple[asyncio.Future[ProcessedPage], Entry, int]] = deque()
        # Pages answered whose rows the worker holds and has not stored yet, in order.
        self.unstored: deque[LostPage] = deque()
        self.busy_since = 0.0  # when the worker started on the first waiting request
        self.storing = False  # between pages, storing rows: no page is running
        self.store_error: Exception | None = None  # why it could not store its rows
        self.stop_reason: str | None = None
        self._reader = reader
        self._writer = writer
        self._on_death = on_death
        self._on_answer = on_answer
        self._listener: asyncio.Task[None] | None = None
        self._lost: str | None = None

    async def ready(self) -> None:
        """Wait for the worker's greeting (sent once its catalogue is built), then listen."""
        await _read_frame(self._reader)
        self._listener = asyncio.create_task(self._listen())

    def served(self) -> bool:
        """True once the worker greeted: it may hold rows from then on."""
        return self._listener is not None

    def has_room(self, size: int) -> bool:
        """True when a request of about `size` bytes may be sent now (`AHEAD`)."""
        busy = len(self.waiting)
        if busy < AHEAD_MIN:
            return True
        queued = sum(sent for _answer, _entry, sent in self.waiting)
        return busy < AHEAD and queued + size <= AHEAD_BYTES

    async def call(self, request: bytes, entry: Entry) -> ProcessedPage:
        """Send one request (processing the page `entry`) and wait for its answer."""
        if self._lost is not None:
            raise _WorkerLostError(self._lost, current=False, stopped=False)
        answer: asyncio.Future[ProcessedPage] = asyncio.get_running_loop().create_future()
        if not self.waiting:
            self.busy_since = time.monotonic()
        self.waiting.append((answer, entry, len(request)))
        self._writer.write(len(request).to_bytes(FRAME_HEADER, "big"))
        self._writer.write(request)  # not joined to its header: no copy of the page
        # What the socket did not take at once, the transport copied (Python 3.11): the
        # pickle itself is not kept while the page is processed (8 MB a large page).
        del request
        return await answer

    def store_now(self) -> None:
        """Send the empty frame that asks the worker to store what it holds (no answer)."""
        if self._lost is None and self.served():
            self._writer.write(STORE_NOW)

    def overdue(self, limit: float) -> str | None:
        """Why to stop the worker, if it has been on one page for more than `limit` seconds,
        or storing rows between pages (then no page is blamed) for longer than `limit` plus
        STORE_S_PER_PAGE for each page it holds (a database that stopped answering)."""
        took = time.monotonic() - self.busy_since
        if self.stop_reason is not None:
            return None
        if self.storing:
            bound = limit + STORE_S_PER_PAGE * len(self.unstored)
            if took <= bound:
                return None
            return (
                f"storing the rows of {len(self.unstored)} pages took more than {bound:g} s,"
                " so its worker process was stopped (those pages are fetched again)"
            )
        if not self.waiting or took <= limit:
            return None
        return (
            f"processing {self.waiting[0][1][0]} took more than {limit:g} s and could not be"
            " interrupted, so its worker process was stopped"
        )

    def stop(self, reason: str) -> None:
        """Kill the worker: its current page is kept with `processing-timeout` (`reason`)."""
        self.stop_reason = reason
        self.process.kill()

    async def _listen(self) -> None:
        answered = 0
        try:
            while True:
                frame = await _read_frame(self._reader)
                notice = frame[:1]
                if notice == STORE_FAILED:  # it ends next: why, for its pages' refetch
                    self.store_error = pickle.loads(frame[1:])
                    continue
                if notice in (STORING, STORED):
                    self.storing = notice == STORING
                    self.busy_since = time.monotonic()  # the next page starts after it
                    if notice == STORED:
                        self._stored(answered, int.from_bytes(frame[1:], "big"))
                    continue
                ok, value, stored = pickle.loads(frame)
                answer, entry, _size = self.waiting.popleft()
                self.busy_since = time.monotonic()  # the next request starts now
                self._on_answer()
                if stored is not None:  # the worker stores rows: note which it still holds
                    answered += 1
                    # What the engine counted of the page, without its links (held for up
                    # to a batch of pages).
                    counted = dataclasses.replace(value, candidates=()) if ok else None
                    self.unstored.append(LostPage(*entry, counted))
                    self._stored(answered, stored)
                if answer.cancelled():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except Exception as exc:  # EOF or a broken frame: the worker is gone
            self._lost = (
                self.stop_reason
                or self.refused()
                or f"worker process {self.process.pid} died ({exc!r})"
            )
            for index, (answer, _entry, _size) in enumerate(self.waiting):
                if not answer.done():
                    stopped = self.stop_reason is not None
                    current = index == 0 and not self.storing
                    answer.set_exception(
                        _WorkerLostError(self._lost, current=current, stopped=stopped)
                    )
            self.waiting.clear()
            self._on_death(self, self._lost)

    def end_reason(self, known_refusal: str | None = None) -> str:
        """Why the worker (which has exited) ended. Its notice of a refused store is not
        read when it came as the pool closed: `known_refusal`, another worker's read
        earlier (one database refuses them all), then stands for it."""
        if self.process.exitcode == EXIT_REFUSED:
            return (
                self.refused()
                or known_refusal
                or "the database refused its rows; the error is logged above"
            )
        return self.stop_reason or f"exit code {self.process.exitcode}"

    def refused(self) -> str | None:
        """Why the worker ended if its database refused its rows: the driver's own words,
        without the statement and its parameters."""
        error = self.store_error
        return None if error is None else f"the database refused its rows: {driver_words(error)}"

    def _stored(self, answered: int, stored: int) -> None:
        """Forget the pages stored: the worker stored `stored` of the `answered` so far."""
        while len(self.unstored) > answered - stored:
            self.unstored.popleft()

    def hang_up(self) -> None:
        """Tell the worker to stop: it exits when it reads the end of its input."""
        if self._listener is not None and self._listener is not asyncio.current_task():
            self._listener.cancel()
        for answer, _entry, _size in self.waiting:
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
    size = int.from_bytes(await reader.readexactly(FRAME_HEADER), "big")
    return await reader.readexactly(size)
