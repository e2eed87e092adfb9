"""What runs inside a page worker process: extraction, page checks, rows, and storing them.

`PageWorker` turns a fetched response into a `ProcessedPage` (inline on the event loop, or
in a worker process). `serve` is a worker process's whole life: greet the parent, answer
one length-prefixed pickled request at a time until the input ends, and, given a
`RowTarget`, store the pages' rows itself in batches (`_RowWriter`) rather than send them
back; an empty request frame asks it to store what it holds now. The parent's side of the
conversation is `engines/processing.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import os
import pickle
import select
import socket
import time
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from siteaudit.checks.catalogue import Catalogue, CheckConfig, load_catalogue
from siteaudit.crawl.errors import ErrorCode
from siteaudit.engines.page_clock import PageOverrun, own_the_alarm, time_limited
from siteaudit.forking import leave_signals_to_the_parent
from siteaudit.model import FetchedPage, Page, ScanSpec
from siteaudit.model.page import UNAUDITED
from siteaudit.pipeline.analysis import PageAnalyzer
from siteaudit.pipeline.discovery import candidates, follows_links
from siteaudit.pipeline.extraction import http_facts, unaudited
from siteaudit.pipeline.fetching import to_page
from siteaudit.pipeline.ports import LinkRecord, PageResult, PageRows
from siteaudit.pipeline.urls import Scope
from siteaudit.storage import SqlScanStore, create_engine_for, driver_words
from siteaudit.storage.codec import page_rows

logger = logging.getLogger(__name__)

# A worker storing its own rows writes them once it holds this many pages, or this long
# after the first of them (whichever comes first). Each commit rewrites the index pages it
# touched and makes the other writers re-read theirs: on the PostgreSQL manual, batches of
# 200 pages (in practice ~180, bounded by the time) cost the two workers 0.31 s of CPU to
# store instead of 0.38 s with batches of 50.
STORE_BATCH_PAGES = 200
STORE_BATCH_S = 0.5
FRAME_HEADER = 8  # bytes of the big-endian length before each pickled message
# A worker's notices that it stores rows between pages, and is done (or failed): each
# begins with a byte no pickled answer can begin with. STORED is followed by the count of
# pages stored so far (FRAME_HEADER bytes, big-endian), which answers carry too.
STORING = b"s"
STORED = b"d"
STORE_FAILED = b"e"  # followed by the pickled exception: the database refused the rows
EXIT_REFUSED = 3  # the exit code of a worker whose database refused its rows
PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL
# Seconds one page's extraction and checks may take (`crawl.page_time_limit_s`); pages
# normally take milliseconds.
PAGE_TIME_LIMIT_S = 60.0


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


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything a worker needs to process pages of one scan (picklable)."""

    start_url: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    max_links: int
    checks: CheckConfig
    follow_nofollow: bool = False
    time_limit_s: float = PAGE_TIME_LIMIT_S
    subdomains: bool = False
    strip_params: tuple[str, ...] = ()

    @classmethod
    def for_scan(
        cls,
        spec: ScanSpec,
        max_links: int,
        checks: CheckConfig,
        time_limit_s: float = PAGE_TIME_LIMIT_S,
    ) -> PageJob:
        """The job of the scan `spec` describes."""
        return cls(
            spec.start_url,
            spec.include,
            spec.exclude,
            max_links,
            checks,
            spec.follow_nofollow,
            time_limit_s,
            spec.subdomains,
            spec.strip_params,
        )


class PageWorker:
    """Extraction, analysis and encoding for one scan, built once per process (or inline)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self.scope = Scope.from_spec(
            job.start_url, job.include, job.exclude, job.subdomains, job.strip_params
        )
        self.max_links = job.max_links
        self.follow_nofollow = job.follow_nofollow
        self.time_limit_s = job.time_limit_s
        self.analyzer = PageAnalyzer(catalogue.page_checks, job.start_url)

    def process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        """The page's facts, findings and rows; a page whose extraction and checks pass the
        time limit (where this process can keep one: `engines/page_clock.py`) is kept with
        its HTTP facts only, the header checks' findings and the `processing-timeout` error.
        """
        if fetched.error_code in UNAUDITED:  # given up on already (engines/processing.py)
            return self._package(http_facts(fetched, depth), depth, found_via)
        try:
            return time_limited(self.time_limit_s, self._process, fetched, depth, found_via)
        except PageOverrun:
            logger.warning("processing %s passed the time limit; skipped", fetched.url)
        page = unaudited(
            fetched,
            depth,
            ErrorCode.PROCESSING_TIMEOUT.value,
            f"extracting and checking this page took more than {self.time_limit_s:g} s, so it"
            " was stopped",
        )
        return self._package(page, depth, found_via)

    def _process(self, fetched: FetchedPage, depth: int, found_via: str) -> ProcessedPage:
        page = to_page(
            fetched,
            depth=depth,
            is_internal=self.scope.is_internal,
            max_links=self.max_links,
            clean=self.scope.clean,
        )
        return self._package(page, depth, found_via)

    def _package(self, page: Page, depth: int, found_via: str) -> ProcessedPage:
        analysis = self.analyzer.analyze(page)
        offered = tuple(candidates(page, depth, follow_nofollow=self.follow_nofollow))
        result = PageResult(
            page=page,
            findings=analysis.findings,
            not_applicable=analysis.not_applicable,
            check_errors=analysis.errors,
            found_via=found_via,
            offers=tuple(offer for offer in offered if offer[2] != "link"),
            follows_links=follows_links(page, follow_nofollow=self.follow_nofollow),
        )
        links = [
            LinkRecord(page.url, link.url, link.text, link.rel, link.internal, link.position)
            for link in page.links
        ]
        return ProcessedPage(
            url=page.url,
            status=page.status,
            error_code=page.error_code,
            error_message=page.error_message,
            candidates=offered,
            check_errors=analysis.errors,
            rows=page_rows(result, links),
        )


def serve(
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
    leave_signals_to_the_parent()  # the parent stops us by hanging up
    own_the_alarm()  # each page's time limit (engines/page_clock.py)
    worker = PageWorker(job, load_catalogue().configure(job.checks))
    rows = _RowWriter(rows_to) if rows_to is not None else None
    # What exists now lives as long as the process: spare the collector's full passes it.
    gc.freeze()
    with sock:
        # The greeting; a parent that hung up meanwhile (the pool closed as this worker
        # was forked) ends the input below, and the worker exits without a word.
        _notify(sock, b"")
        while True:
            if rows is not None and (due := rows.due_in()) is not None and not _readable(sock, due):
                _store_between_pages(sock, rows)  # no request for a while: store what is held
                continue
            request = _receive_frame(sock)
            if request is None:
                break  # the parent hung up
            if not request:  # an empty frame: store what is held now (no answer)
                if rows is not None:
                    _store_between_pages(sock, rows)
                continue
            try:
                _send_frame(sock, _answer(worker, request, rows))
            except OSError:
                break  # the parent hung up: store what is held all the same
            if rows is not None and rows.full:
                # After the answer, not within it: should this process die storing the batch,
                # the page that filled it is not blamed (it was audited), only fetched again.
                _store_between_pages(sock, rows)
    if rows is not None:
        try:
            rows.close()
        except Exception:
            logger.exception("worker process %d could not store its last pages", os.getpid())
            raise SystemExit(EXIT_REFUSED) from None


def _store_between_pages(sock: socket.socket, rows: _RowWriter) -> None:
    """Store the rows held, between two pages, with a notice to the parent before and after:
    should this process die or stall meanwhile (its database failing, the kernel killing
    it), no page was running, and none is blamed for it (engines/processing.py)."""
    if rows.held:
        _notify(sock, STORING)
        try:
            rows.flush()
        except Exception as exc:  # this process ends; its pages are fetched again
            _notify(sock, STORE_FAILED + _pickled(exc))
            # A database's refusal in its words, not a traceback carrying a batch of rows.
            words = f": {driver_words(exc)}" if isinstance(exc, DBAPIError) else ""
            logger.error(
                "worker process %d could not store its pages%s",
                os.getpid(),
                words,
                exc_info=not words,
            )
            raise SystemExit(EXIT_REFUSED) from None
        _notify(sock, STORED + rows.stored.to_bytes(FRAME_HEADER, "big"))


def _notify(sock: socket.socket, notice: bytes) -> None:
    """Send a notice; a parent that hung up meanwhile (the pool closing) does not need it,
    and the rows must still be stored."""
    with contextlib.suppress(OSError):
        _send_frame(sock, notice)


class _RowWriter:
    """A worker's own writer: batches of page rows, each in one transaction. `stored` counts
    the pages stored so far (each answer tells the parent, which then knows the pages to
    fetch again should this process die)."""

    def __init__(self, target: RowTarget) -> None:
        # The parent's pooled connections were dropped at the fork (storage.database).
        self._store = SqlScanStore(create_engine_for(target.url))
        self._scan_id = target.scan_id
        self._held: list[PageRows] = []
        self._first_at = 0.0
        self.stored = 0

    def add(self, rows: PageRows) -> None:
        if not self._held:
            self._first_at = time.monotonic()
        self._held.append(rows)

    @property
    def held(self) -> int:
        """Pages whose rows are held, not stored yet."""
        return len(self._held)

    @property
    def full(self) -> bool:
        """True when a batch is held: time to store it, between two pages."""
        return len(self._held) >= STORE_BATCH_PAGES

    def due_in(self) -> float | None:
        """Seconds until the held rows must be written; None when none are held."""
        if not self._held:
            return None
        return max(0.0, self._first_at + STORE_BATCH_S - time.monotonic())

    def flush(self) -> None:
        held, self._held = self._held, []
        if held:
            self._store.save_page_rows(self._scan_id, held)
            self.stored += len(held)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._store.engine.dispose()


def _answer(worker: PageWorker, request: bytes, rows: _RowWriter | None = None) -> bytes:
    """(ok, the processed page or the exception, pages stored so far or None)."""
    fetched, depth, found_via = pickle.loads(request)
    try:
        done = worker.process(fetched, depth, found_via)
        if rows is not None and done.rows is not None:
            rows.add(done.rows)  # stored in batches, between pages (see serve)
            done = dataclasses.replace(done, rows=None)
        return pickle.dumps((True, done, _stored(rows)), PICKLE_PROTOCOL)
    except Exception as exc:  # an engine bug: the parent raises it, and the scan fails
        return pickle.dumps((False, _travelling(exc), _stored(rows)), PICKLE_PROTOCOL)


def _travelling(exc: Exception) -> Exception:
    """`exc`, or its description when it cannot be pickled."""
    try:
        pickle.dumps(exc, PICKLE_PROTOCOL)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _pickled(exc: Exception) -> bytes:
    return pickle.dumps(_travelling(exc), PICKLE_PROTOCOL)


def _stored(rows: _RowWriter | None) -> int | None:
    return rows.stored if rows is not None else None


def _readable(sock: socket.socket, timeout: float) -> bool:
    """True when `sock` has input (or its end) within `timeout` seconds."""
    poller = select.poll()  # not select.select: it cannot watch descriptors above 1023
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(timeout * 1000))


def _receive_frame(sock: socket.socket) -> bytes | None:
    """The next length-prefixed frame; None when the input ended, even part-way through a
    frame (the parent died writing it: the worker stores what it holds all the same)."""
    header = _receive_exactly(sock, FRAME_HEADER)
    if header is None:
        return None
    return _receive_exactly(sock, int.from_bytes(header, "big"))


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        try:
            count = sock.recv_into(view[got:])
        except ConnectionResetError:  # the parent died with answers of ours unread
            return None
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(FRAME_HEADER, "big") + payload)
