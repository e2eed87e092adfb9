"""The distributed engine's bookkeeping: work rows, the outbox, fan-in and dead letters.

The database is the source of truth and the broker a doorbell (docs/architecture.md,
"Distributed scans"). Every method is one transaction and safe to run twice:

- a page of a scan is one `work` row (unique per URL); its state moves queued -> fetched ->
  done (or failed / cancelled) with conditional updates, so a redelivered task resumes at the
  first missing step and a duplicate one finds nothing to claim;
- every message is an `outbox` row committed with the state change that calls for it; a
  relay publishes it, so a state change can never be lost between commit and publish;
- fan-in is counted here: the selection that leaves no work moves the scan from `fetching`
  to `analyzing` with a conditional update, and only that transaction enqueues the analysis.

PostgreSQL only: the row locks and concurrent writers this needs are not SQLite's.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    text,
    update,
)

from siteaudit.model import FetchedPage, ScanSpec, ScanStatus
from siteaudit.model.page import RedirectHop, outcome_counters
from siteaudit.model.report import LEFT_OUT_COUNTED
from siteaudit.model.site import Trap
from siteaudit.pipeline.discovery import (
    DEPTH_LIMIT,
    REOPEN_ROUNDS,
    TOO_DEEP,
    Frontier,
    offer_cut_links,
)
from siteaudit.pipeline.ports import LinkRecord, PageResult
from siteaudit.storage import codec, reading
from siteaudit.storage.discovery import read_discovery, write_discovery
from siteaudit.storage.errors import ScanNotFoundError, StorageError
from siteaudit.storage.keyed import delete_with_keys, rows_with_keys
from siteaudit.storage.repository import SqlScanStore, insert_scan
from siteaudit.storage.sanitize import clean_json, clean_text
from siteaudit.storage.tables import (
    dead_letters,
    left_out,
    outbox,
    pages,
    scans,
    sitemap_urls,
    utcnow,
    work,
)
from siteaudit.storage.upsert import insert_ignoring
from siteaudit.storage.writing import write_links, write_pages

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

QUEUED = "queued"
FETCHED = "fetched"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
# Disallowed by its host's robots.txt, learnt as the page was about to be fetched (a
# subdomain's robots.txt is read before that host's first page): finished without a page.
BLOCKED = "blocked"
FINISHED = (DONE, FAILED, BLOCKED)
STEP_STATE = {"fetch": QUEUED, "extract": FETCHED}
# In a scan's frontier document: true while the URLs its sitemaps list wait for every page
# found by links to be done (they are then offered, in the sitemaps' order, by selection).
SITEMAPS = "sitemaps_waiting"
# In it too: how many times selection looked again at the links the depth limit cut.
REOPENED = "depth_cut_rounds"
# And how many URLs the scan's `left_out` rows hold (`_count_left_out`).
LEFT_OUT = "left_out"

# The tasks the outbox names (the Celery engine maps them to its task names).
START, DISCOVER, FETCH, EXTRACT, SELECT, ANALYZE, AGGREGATE = (
    "start",
    "discover",
    "fetch",
    "extract",
    "select",
    "analyze",
    "aggregate",
)


# The message that (re)starts a scan stalled in each phase outside fetching.
PHASE_MESSAGE = {
    ScanStatus.PENDING: START,
    ScanStatus.DISCOVERING: DISCOVER,
    ScanStatus.ANALYZING: ANALYZE,
    ScanStatus.AGGREGATING: AGGREGATE,
}


class DistributedDatabaseError(StorageError):
    """The distributed engine was pointed at a database it cannot coordinate on."""


@dataclass(frozen=True, slots=True)
class Message:
    """An outbox row: a task to publish with its arguments."""

    id: int
    task: str
    args: list[Any]


@dataclass(frozen=True, slots=True)
class Control:
    """What a task checks before it acts: the scan's status, cancel flag and spec."""

    status: ScanStatus
    cancel_requested: bool
    spec: ScanSpec
    frontier: dict[str, Any]

    @property
    def stopped(self) -> bool:
        """True when no more work may start for this scan."""
        return self.cancel_requested or self.status.is_terminal


@dataclass(frozen=True, slots=True)
class Claimed:
    """A page this task holds the lease on, for one step."""

    id: int
    url: str
    depth: int
    found_via: str
    attempts: int
    fetched: FetchedPage | None = None  # the staged response, for the extract step


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of claiming a batch: pages to work on, pages split off, exhausted pages."""

    mine: list[Claimed]
    split: list[int]  # retried pages, sent again one per task so a poison page stands alone
    exhausted: list[Claimed]  # past max_attempts: to be failed and dead-lettered


@dataclass(frozen=True, slots=True)
class Completed:
    """One page through extraction: its result, outlinks and frontier candidates."""

    work_id: int
    result: PageResult
    links: list[LinkRecord]
    candidates: list[tuple[str, int, str]]
    # The answer that ended the page's redirects, as its target's page (`redirect_answer`):
    # kept with the page until selection, which stages it for the target if it queues it.
    answer: FetchedPage | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Counts of a scan's work rows by state, with its status."""

    status: ScanStatus
    error: str | None
    by_state: dict[str, int]
    # URLs the sitemaps list, while they wait for the pages found by links (`SITEMAPS`):
    # the site has at least that many pages.
    listed: int = 0

    @property
    def total(self) -> int:
        """Pages the frontier accepted so far."""
        return sum(self.by_state.values())

    @property
    def finished(self) -> int:
        """Pages done, failed, blocked or cancelled."""
        return sum(self.by_state.get(state, 0) for state in (*FINISHED, CANCELLED))


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A page step that failed `max_attempts` times."""

    id: int
    scan_id: int
    url: str
    step: str
    attempts: int
    error: str
    created_at: datetime
    redriven_at: datetime | None


FrontierFactory = Callable[[ScanSpec, dict[str, Any]], Frontier]


class FrontierCache:
    """Frontiers of the scans this process selected for lately, with the last work id each
    has seen (a few scans at most: a frontier holds every URL of its scan)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[int, tuple[Frontier, int]] = {}

    def get(self, scan_id: int) -> tuple[Frontier, int] | None:
        """The cached frontier and its newest replayed work id, if any."""
        return self._entries.get(scan_id)

    def put(self, scan_id: int, frontier: Frontier, newest: int) -> None:
        """Keep `frontier`, up to date with work ids up to `newest`."""
        self._entries.pop(scan_id, None)
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[scan_id] = (frontier, newest)

    def drop(self, scan_id: int) -> None:
        """Forget a scan's frontier."""
        self._entries.pop(scan_id, None)


class SqlCoordinator:
    """Coordination of distributed scans over PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise DistributedDatabaseError(
                "the Celery engine needs PostgreSQL: set SITEAUDIT_DATABASE_URL to a "
                "postgresql+psycopg:// URL (SQLite serves one process; use the local engine)"
            )
        self.engine = engine
        self.store = SqlScanStore(engine)

    # -- submission and the outbox -----------------------------------------------------------

    def submit(self, spec: ScanSpec) -> int:
        """Create a scan for the Celery engine and its first message, in one transaction."""
        with self.engine.begin() as connection:
            scan_id = insert_scan(connection, spec, engine="celery")
            send(connection, START, scan_id)
        return scan_id

    def relay(self, publish: Callable[[Message], None], limit: int = 1000) -> int:
        """Publish unpublished messages, oldest first; returns how many went out.

        The rows are locked while they are published (SKIP LOCKED), so relays running at
        once in several workers send each message once; a crash between publish and commit
        sends it again, which the idempotent tasks absorb. A publish that raises stops the
        relay; what was sent before it is still marked.
        """
        sent: list[int] = []
        failure: Exception | None = None
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(outbox.c.id, outbox.c.task, outbox.c.args)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                try:
                    publish(Message(row.id, row.task, list(row.args)))
                except Exception as exc:
                    failure = exc
                    break
                sent.append(row.id)
            if sent:
                connection.execute(
                    update(outbox).where(outbox.c.id.in_(sent)).values(published_at=utcnow())
                )
        if failure is not None:
            raise failure
        return len(sent)

    def send(self, task: str, *args: Any) -> None:
        """Queue one message (the reconciler's way of re-sending work)."""
        with self.engine.begin() as connection:
            send(connection, task, *args)

    # -- control -------------------------------------------------------------------------

    def control(self, scan_id: int) -> Control:
        """The scan's status, cancel flag, spec and frontier document."""
        query = select(scans.c.status, scans.c.cancel_requested, scans.c.spec, scans.c.frontier)
        with self.engine.connect() as connection:
            row = connection.execute(query.where(scans.c.id == scan_id)).first()
        if row is None:
            raise ScanNotFoundError(scan_id)
        return Control(
            status=ScanStatus(row.status),
            cancel_requested=bool(row.cancel_requested),
            spec=codec.spec_from_json(row.spec),
            frontier=dict(row.frontier or {}),
        )

    def advance(
        self,
        scan_id: int,
        source: ScanStatus,
        target: ScanStatus,
        *,
        error: str | None = None,
        then: tuple[str, ...] = (),
    ) -> bool:
        """Move the scan from `source` to `target` if it is still there; True if it moved.

        `then` names a task to enqueue with the move, in the same transaction: only the
        caller whose update matched sends it, which is how each phase starts exactly once.
        """
        now = utcnow()
        values: dict[str, Any] = {"status": target.value, "progressed_at": now}
        values["started_at"] = func.coalesce(scans.c.started_at, now)
        if target.is_terminal:
            values["finished_at"] = now
        if error is not None:
            values["error"] = clean_text(error)
        statement = (
            update(scans)
            .where(scans.c.id == scan_id, scans.c.status == source.value)
            .values(values)
        )
        with self.engine.begin() as connection:
            moved = connection.execute(statement).rowcount == 1
            if moved and then:
                send(connection, then[0], scan_id, *then[1:])
        return moved

    def request_cancel(self, scan_id: int) -> ScanStatus:
        """Raise the cancel flag; a scan not yet finished becomes `cancelled` at once.

        Queued pages are cancelled with it. Requests under way finish (each task checks the
        flag before every request, at most CANCEL_CHECK_S late), and pages already fetched
        are still extracted and stored: cancelling loses no page that was paid for.
        """
        now = utcnow()
        with self.engine.begin() as connection:
            _lock_scan(connection, scan_id)
            connection.execute(
                update(scans).where(scans.c.id == scan_id).values(cancel_requested=True)
            )
            status = _lock_scan(connection, scan_id)
            if status.is_terminal:
                return status
            connection.execute(
                update(scans)
                .where(scans.c.id == scan_id)
                .values(
                    status=ScanStatus.CANCELLED.value,
                    finished_at=now,
                    error="cancelled by the user",
                )
            )
            # Fetched pages are still extracted and stored: that sends no request.
            # SKIP LOCKED: a page a worker is staging right now is left to it (it becomes
            # fetched and is extracted); waiting for it could deadlock with that worker.
            queued = connection.scalars(
                select(work.c.id)
                .where(work.c.scan_id == scan_id, work.c.state == QUEUED)
                .order_by(work.c.id)
                .with_for_update(skip_locked=True)
            ).all()
            connection.execute(
                update(work)
                .where(work.c.id.in_(queued))
                .values(state=CANCELLED, lease_owner=None, lease_until=None)
            )
            # Redirect targets' answers no selection will stage now.
            connection.execute(
                update(work)
                .where(work.c.scan_id == scan_id, work.c.state == DONE, work.c.body.is_not(None))
                .values(fetched=None, body=None)
            )
        return ScanStatus.CANCELLED

    # -- discovery -----------------------------------------------------------------------

    def start_crawl(
        self,
        scan_id: int,
        *,
        frontier: Frontier,
        frontier_document: dict[str, Any],
        discovery: dict[str, Any],
        counters: dict[str, int],
        batch_size: int,
    ) -> bool:
        """Store discovery, queue the frontier's first pages and move to `fetching`.

        False (and nothing written) when the scan already left `discovering`.
        """
        with self.engine.begin() as connection:
            if _lock_scan(connection, scan_id) != ScanStatus.DISCOVERING:
                return False
            write_discovery(connection, scan_id, **discovery)
            _add_counters(connection, scan_id, counters)
            entries = _drain(frontier)
            ids = _queue(connection, scan_id, entries)
            _count_left_out(connection, scan_id, frontier, frontier_document, entries)
            _save_frontier(connection, scan_id, frontier, frontier_document)
            connection.execute(
                update(scans)
                .where(scans.c.id == scan_id)
                .values(status=ScanStatus.FETCHING.value, progressed_at=utcnow())
            )
            for batch in _batches(ids, batch_size):
                send(connection, FETCH, scan_id, batch)
        return True

    # -- claiming and the two page steps -------------------------------------------------

    def claim(
        self,
        step: str,
        scan_id: int,
        ids: Sequence[int],
        owner: str,
        *,
        lease_s: int,
        max_attempts: int,
    ) -> Claim:
        """Lease the pages of `ids` still waiting for `step` to the task `owner`.

        A page leased to another live task is left alone. A page tried before (its task died
        or timed out) is not claimed in a batch: it is split off to be sent alone, so that
        one poison page cannot drag its batch-mates past their attempt limit. A page alone in
        its task is claimed if it has attempts left, and is `exhausted` otherwise.

        A page whose row another transaction holds (a claim of the same message sent twice,
        or selection lowering a queued page's depth) is skipped, not waited for, and sent
        again: skipped silently, it was lost, and its scan waited for it until the
        reconciler's stall timeout (forever without beat) once selection lowered a depth as
        a fetch task claimed that page.
        """
        now = utcnow()
        free = or_(
            work.c.lease_until.is_(None), work.c.lease_until < now, work.c.lease_owner == owner
        )
        alone = len(ids) == 1
        with self.engine.begin() as connection:
            waiting = (work.c.id.in_(ids), work.c.state == STEP_STATE[step], free)
            rows = connection.execute(
                select(work.c.id, work.c.attempts).where(*waiting).with_for_update(skip_locked=True)
            ).all()
            if len(rows) < len(set(ids)):  # some skipped: held, or not waiting any more
                held = set(connection.scalars(select(work.c.id).where(*waiting)))
                locked = sorted(held - {row.id for row in rows})
                if locked:  # sent again: claimed once the transaction holding them has ended
                    send(connection, step, scan_id, locked)
            tried = sorted(row.id for row in rows if row.attempts > 0)
            if alone:
                split: list[int] = []
                spent = [row.id for row in rows if row.attempts >= max_attempts]
                fresh = [row.id for row in rows if row.attempts < max_attempts]
            else:
                split, spent = tried, []
                fresh = [row.id for row in rows if row.attempts == 0]
            claimed = connection.execute(
                update(work)
                .where(work.c.id.in_(fresh))
                .values(
                    attempts=work.c.attempts + 1,
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_s),
                )
                .returning(*_CLAIM_COLUMNS)
            ).all()
            exhausted = connection.execute(select(*_CLAIM_COLUMNS).where(work.c.id.in_(spent)))
            connection.execute(  # split pages are free for the tasks that will take them
                update(work).where(work.c.id.in_(split)).values(lease_owner=None, lease_until=None)
            )
            for work_id in split:
                send(connection, step, scan_id, [work_id])
            return Claim(
                mine=sorted((_claimed(row) for row in claimed), key=lambda c: c.id),
                split=split,
                exhausted=[_claimed(row) for row in exhausted],
            )

    def release(
        self, step: str, ids: Sequence[int], owner: str, scan_id: int, *, tried: bool = True
    ) -> None:
        """Give back leases of pages this task did not finish and send them again, alone.

        Without `tried` the task never tried them (no slot at their host came free in
        time): their claim does not count as an attempt.
        """
        if not ids:
            return
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
        if not tried:
            values["attempts"] = case((work.c.attempts > 0, work.c.attempts - 1), else_=0)
        with self.engine.begin() as connection:
            connection.execute(
                update(work).where(work.c.id.in_(ids), work.c.lease_owner == owner).values(values)
            )
            for work_id in ids:
                send(connection, step, scan_id, [work_id])

    def stage(self, scan_id: int, owner: str, fetched: Sequence[tuple[int, FetchedPage]]) -> None:
        """Keep fetched responses for the extract step and enqueue it, in one transaction."""
        if not fetched:
            return
        staged: list[int] = []
        with self.engine.begin() as connection:
            _touch(connection, scan_id)  # the scan row first: the lock order everywhere
            for work_id, page in sorted(fetched, key=lambda item: item[0]):
                document, body = _fetched_to_row(page)
                result = connection.execute(
                    update(work)
                    .where(
                        work.c.id == work_id, work.c.state == QUEUED, work.c.lease_owner == owner
                    )
                    .values(
                        state=FETCHED,
                        attempts=0,
                        lease_owner=None,
                        lease_until=None,
                        fetched=document,
                        body=body,
                    )
                )
                if result.rowcount == 1:
                    staged.append(work_id)
            if staged:
                send(connection, EXTRACT, scan_id, staged)

    def complete(
        self, scan_id: int, owner: str, done: Sequence[Completed], *, step: str = "extract"
    ) -> int:
        """Store extracted pages (links, page, findings), mark them done, enqueue selection.

        `step` is the step the pages were claimed for: `extract`, or `fetch` when the task
        that fetched them extracted them too (nothing staged). Pages no longer leased to
        `owner` (another task finished them) are skipped. Returns how many pages this call
        completed.
        """
        if not done:
            return 0
        with self.engine.begin() as connection:
            _touch(connection, scan_id)  # the scan row first: the lock order selection uses
            ids = [item.work_id for item in done]
            mine = set(
                connection.scalars(
                    select(work.c.id).where(
                        work.c.id.in_(ids),
                        work.c.state == STEP_STATE[step],
                        work.c.lease_owner == owner,
                    )
                )
            )
            kept = sorted((item for item in done if item.work_id in mine), key=lambda i: i.work_id)
            write_links(connection, scan_id, [link for item in kept for link in item.links])
            write_pages(connection, scan_id, [item.result for item in kept])
            if kept:
                connection.execute(
                    update(work)
                    .where(work.c.id == bindparam("work_id"))
                    .values(
                        state=DONE,
                        body=bindparam("answer_body"),
                        fetched=bindparam("answer"),
                        lease_owner=None,
                        lease_until=None,
                        outlinks=bindparam("candidates"),
                    ),
                    [
                        {
                            "work_id": item.work_id,
                            "candidates": clean_json([list(c) for c in item.candidates]),
                            **_answer_values(item.answer),
                        }
                        for item in kept
                    ],
                )
            _add_counters(connection, scan_id, _page_counters(kept))
            if kept:
                send(connection, SELECT, scan_id)
        return len(kept)

    def block(self, scan_id: int, owner: str, blocked: Sequence[Claimed]) -> int:
        """Finish pages their host's robots.txt disallows without a page row: recorded with
        the robots-blocked URLs of the frontier document. Returns how many were blocked."""
        if not blocked:
            return 0
        with self.engine.begin() as connection:
            _touch(connection, scan_id)  # the scan row first: the lock order selection uses
            mine = connection.scalars(
                update(work)
                .where(
                    work.c.id.in_([item.id for item in blocked]),
                    work.c.state == STEP_STATE["fetch"],
                    work.c.lease_owner == owner,
                )
                .values(state=BLOCKED, lease_owner=None, lease_until=None, outlinks=[])
                .returning(work.c.url)
            ).all()
            if not mine:
                return 0
            document = dict(
                connection.scalar(select(scans.c.frontier).where(scans.c.id == scan_id)) or {}
            )
            known = set(document.get("robots_blocked", ()))
            document["robots_blocked"] = sorted(known.union(mine))
            connection.execute(
                update(scans).where(scans.c.id == scan_id).values(frontier=clean_json(document))
            )
            _add_counters(connection, scan_id, {"discover/skipped/robots-disallowed": len(mine)})
            send(connection, SELECT, scan_id)  # the scan may have nothing else left
        return len(mine)

    def fail(
        self, scan_id: int, step: str, claimed: Claimed, result: PageResult, error: str
    ) -> None:
        """Fail a page for good: store it with its error, dead-letter it, enqueue selection."""
        now = utcnow()
        with self.engine.begin() as connection:
            _touch(connection, scan_id)
            moved = connection.execute(
                update(work)
                .where(work.c.id == claimed.id, work.c.state == STEP_STATE[step])
                .values(
                    state=FAILED,
                    body=None,
                    fetched=None,
                    lease_owner=None,
                    lease_until=None,
                    error=clean_text(error),
                    outlinks=[],
                )
            ).rowcount
            if not moved:
                return
            write_pages(connection, scan_id, [result])
            row = {
                "scan_id": scan_id,
                "work_id": claimed.id,
                "url": clean_text(claimed.url),
                "step": step,
                "attempts": claimed.attempts,
                "error": clean_text(error),
                "created_at": now,
            }
            insert_ignoring(connection, dead_letters, [row], ["work_id", "step", "created_at"])
            _add_counters(connection, scan_id, {f"dead-letters/{step}": 1})
            send(connection, SELECT, scan_id)

    # -- selection and fan-in ------------------------------------------------------------

    def select(
        self,
        scan_id: int,
        make_frontier: FrontierFactory,
        batch_size: int,
        *,
        cache: FrontierCache | None = None,
    ) -> tuple[int, bool]:
        """Offer finished pages' candidates to the frontier; fan in when nothing is left.

        One selection runs at a time per scan (it locks the scan row). The frontier is
        rebuilt by replaying the accepted URLs in the order they were accepted, so scope,
        limits and trap bounds decide as they would in one process; a `cache` keeps it
        between calls in this process and replays only rows added since (work rows of a
        scan are only inserted under this lock, so their ids grow in acceptance order).
        Returns the number of pages queued and whether this call moved the scan to
        `analyzing`.
        """
        try:
            return self._select(scan_id, make_frontier, batch_size, cache)
        except BaseException:
            if cache is not None:  # the cached frontier may hold offers that rolled back
                cache.drop(scan_id)
            raise

    def _select(
        self,
        scan_id: int,
        make_frontier: FrontierFactory,
        batch_size: int,
        cache: FrontierCache | None,
    ) -> tuple[int, bool]:
        with self.engine.begin() as connection:
            if _lock_scan(connection, scan_id) != ScanStatus.FETCHING:
                return 0, False
            unselected = connection.execute(
                select(work.c.id, work.c.outlinks, work.c.fetched)
                .where(
                    work.c.scan_id == scan_id,
                    work.c.state.in_(FINISHED),
                    work.c.selected.is_(False),
                )
                .order_by(work.c.id)
            ).all()
            queued: list[int] = []
            if unselected:
                frontier, replayed, document = _current_frontier(
                    connection, scan_id, make_frontier, cache
                )
                _release_blocked(connection, scan_id, frontier)
                for item in unselected:
                    for url, depth, via in item.outlinks or []:
                        frontier.offer(str(url), int(depth), str(via))
                connection.execute(
                    update(work)
                    .where(work.c.id.in_([item.id for item in unselected]))
                    .values(selected=True)
                )
                # Redirect targets' answers (`Completed.answer`), by the target's URL.
                answers = {str(item.fetched["url"]): item.id for item in unselected if item.fetched}
                queued = _queue_accepted(
                    connection, scan_id, frontier, document, batch_size, answers=answers
                )
                if answers:  # staged for the targets queued, or not needed
                    connection.execute(
                        update(work)
                        .where(work.c.id.in_(list(answers.values())))
                        .values(fetched=None, body=None)
                    )
                if cache is not None:
                    cache.put(scan_id, frontier, max([replayed, *queued]))
            fanned_in = not queued and _all_finished(connection, scan_id)
            if fanned_in and _depth_cut(connection, scan_id):
                # Links the depth limit cut from pages a shorter path brings within it.
                def reopen(frontier: Frontier, document: dict[str, Any]) -> None:
                    document[REOPENED] = int(document.get(REOPENED, 0)) + 1
                    offer_cut_links(frontier, reading.site(connection, scan_id), scan_id)

                queued = _queue_more(
                    connection, scan_id, make_frontier, cache, batch_size, offer=reopen
                )
                fanned_in = not queued
            if fanned_in and _sitemaps_waiting(connection, scan_id):
                # Every page found by links is done: the sitemaps' URLs, in their order.
                def listed(frontier: Frontier, document: dict[str, Any]) -> None:
                    frontier.offer_sitemap_urls(
                        connection.scalars(
                            select(sitemap_urls.c.url)
                            .where(sitemap_urls.c.scan_id == scan_id)
                            .order_by(sitemap_urls.c.id)
                        )
                    )
                    document[SITEMAPS] = False

                queued = _queue_more(
                    connection, scan_id, make_frontier, cache, batch_size, offer=listed
                )
                fanned_in = not queued
            if fanned_in:
                connection.execute(
                    update(scans)
                    .where(scans.c.id == scan_id)
                    .values(status=ScanStatus.ANALYZING.value, progressed_at=utcnow())
                )
                send(connection, ANALYZE, scan_id)
        if queued == [] and cache is not None and fanned_in:
            cache.drop(scan_id)
        return len(queued), fanned_in

    # -- the site phases -----------------------------------------------------------------

    def record_frontier(self, scan_id: int) -> None:
        """Add the traps and robots-blocked URLs selection found to the discovery document."""
        with self.engine.begin() as connection:
            document = connection.scalar(select(scans.c.frontier).where(scans.c.id == scan_id))
            facts, _, _, listed = read_discovery(connection, scan_id)
            write_discovery(
                connection,
                scan_id,
                facts=facts,
                traps=frontier_traps(document or {}),
                robots_blocked=list((document or {}).get("robots_blocked", [])),
                listed=sorted(listed),
            )

    def start_failure(self, scan_id: int, start_url: str) -> str | None:
        """Why the scan failed when its start page errored and no page answered, else None."""
        query = select(
            func.count(),
            func.count().filter(pages.c.error_code.is_(None)),
        ).where(pages.c.scan_id == scan_id)
        start = select(pages.c.error_code, pages.c.error_message).where(
            pages.c.scan_id == scan_id, pages.c.url_key == codec.url_key(start_url)
        )
        with self.engine.connect() as connection:
            total, answered = connection.execute(query).one()
            first = connection.execute(start).first()
        if total == 0:
            return f"nothing could be fetched from {start_url}"
        if answered or first is None or first.error_code is None:
            return None
        return f"could not reach {start_url}: {first.error_message or first.error_code}"

    def finish(self, scan_id: int, report_scores: dict[str, object]) -> ScanStatus | None:
        """Store the scores and the final status, once: None if the scan was not aggregating."""
        with self.engine.begin() as connection:
            if _lock_scan(connection, scan_id) != ScanStatus.AGGREGATING:
                return None
            errored = connection.scalar(
                select(func.count()).where(
                    pages.c.scan_id == scan_id, pages.c.error_code.is_not(None)
                )
            )
            counters = (
                connection.scalar(select(scans.c.counters).where(scans.c.id == scan_id)) or {}
            )
            crashed = any(
                str(name).startswith("analysis/") and value for name, value in counters.items()
            )
            status = (
                ScanStatus.COMPLETED_WITH_ERRORS if errored or crashed else ScanStatus.COMPLETED
            )
            now = utcnow()
            connection.execute(
                update(scans)
                .where(scans.c.id == scan_id)
                .values(
                    scores=clean_json(report_scores),
                    aggregate_runs=scans.c.aggregate_runs + 1,
                    status=status.value,
                    finished_at=now,
                    progressed_at=now,
                )
            )
        return status

    def add_counters(self, scan_id: int, counters: dict[str, int]) -> None:
        """Add to the scan's counters."""
        with self.engine.begin() as connection:
            _add_counters(connection, scan_id, counters)

    def touch(self, scan_id: int) -> None:
        """Record that the scan made progress (the reconciler measures stalls from it)."""
        with self.engine.begin() as connection:
            _touch(connection, scan_id)

    # -- progress and recovery -------------------------------------------------------------

    def progress(self, scan_id: int) -> Progress:
        """The scan's status and its pages counted by state."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(scans.c.status, scans.c.error).where(scans.c.id == scan_id)
            ).first()
            if row is None:
                raise ScanNotFoundError(scan_id)
            counts = connection.execute(
                select(work.c.state, func.count())
                .where(work.c.scan_id == scan_id)
                .group_by(work.c.state)
            )
            by_state = {state: int(count) for state, count in counts}
            listed = (
                connection.scalar(
                    select(func.count())
                    .select_from(sitemap_urls)
                    .where(sitemap_urls.c.scan_id == scan_id)
                )
                if _sitemaps_waiting(connection, scan_id)
                else 0
            )
        return Progress(ScanStatus(row.status), row.error, by_state, int(listed or 0))

    def stalled(self, stall_s: float) -> list[tuple[int, ScanStatus]]:
        """Running distributed scans with no progress for `stall_s` seconds."""
        cutoff = utcnow() - timedelta(seconds=stall_s)
        running = [s.value for s in ScanStatus if not s.is_terminal]
        query = select(scans.c.id, scans.c.status).where(
            scans.c.engine == "celery",
            scans.c.status.in_(running),
            or_(scans.c.progressed_at.is_(None), scans.c.progressed_at < cutoff),
        )
        with self.engine.connect() as connection:
            return [(row.id, ScanStatus(row.status)) for row in connection.execute(query)]

    def resend_stalled(self, scan_id: int, status: ScanStatus, batch_size: int) -> int:
        """Send a stalled scan's unfinished work again (claims make duplicates harmless).

        Pages whose lease is still live are another worker's and are left alone. Returns how
        many messages were queued.
        """
        now = utcnow()
        sent = 0
        with self.engine.begin() as connection:
            _touch(connection, scan_id)
            if status in PHASE_MESSAGE:
                send(connection, PHASE_MESSAGE[status], scan_id)
                return 1
            free = or_(work.c.lease_until.is_(None), work.c.lease_until < now)
            for step, state in STEP_STATE.items():
                ids = list(
                    connection.scalars(
                        select(work.c.id)
                        .where(work.c.scan_id == scan_id, work.c.state == state, free)
                        .order_by(work.c.id)
                    )
                )
                for batch in _batches(ids, batch_size):
                    send(connection, step, scan_id, batch)
                    sent += 1
            send(connection, SELECT, scan_id)
        return sent + 1

    def try_lock(self, connection: Connection, key: int) -> bool:
        """A transaction-scoped advisory lock: one holder at a time across every process."""
        return bool(connection.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))

    # -- dead letters --------------------------------------------------------------------

    def dead_letters(self, scan_id: int | None = None) -> list[DeadLetter]:
        """Dead-lettered page steps, newest first (of one scan, or all)."""
        query = select(dead_letters).order_by(dead_letters.c.id.desc())
        if scan_id is not None:
            query = query.where(dead_letters.c.scan_id == scan_id)
        with self.engine.connect() as connection:
            return [
                DeadLetter(
                    id=row.id,
                    scan_id=row.scan_id,
                    url=row.url,
                    step=row.step,
                    attempts=row.attempts,
                    error=row.error,
                    created_at=row.created_at,
                    redriven_at=row.redriven_at,
                )
                for row in connection.execute(query)
            ]

    def redrive(self, letter_ids: Iterable[int]) -> list[int]:
        """Put dead-lettered pages back in the queue with fresh attempts; returns their scans.

        The scan goes back to `fetching` if it had finished: its report is rebuilt when the
        pages are through. Letters already redriven are skipped.
        """
        now = utcnow()
        touched: set[int] = set()
        with self.engine.begin() as connection:
            letters = connection.execute(
                select(dead_letters.c.id, dead_letters.c.scan_id, dead_letters.c.work_id).where(
                    dead_letters.c.id.in_(list(letter_ids)), dead_letters.c.redriven_at.is_(None)
                )
            ).all()
            for letter in letters:
                _lock_scan(connection, letter.scan_id)
                connection.execute(
                    update(work)
                    .where(work.c.id == letter.work_id, work.c.state == FAILED)
                    .values(state=QUEUED, attempts=0, selected=False, error=None, outlinks=None)
                )
                connection.execute(
                    update(dead_letters)
                    .where(dead_letters.c.id == letter.id)
                    .values(redriven_at=now)
                )
                connection.execute(
                    update(scans)
                    .where(scans.c.id == letter.scan_id, scans.c.cancel_requested.is_(False))
                    .values(
                        status=ScanStatus.FETCHING.value,
                        finished_at=None,
                        progressed_at=now,
                    )
                )
                send(connection, FETCH, letter.scan_id, [letter.work_id])
                touched.add(letter.scan_id)
        return sorted(touched)


_CLAIM_COLUMNS = (
    work.c.id,
    work.c.url,
    work.c.depth,
    work.c.found_via,
    work.c.attempts,
    work.c.fetched,
    work.c.body,
)


def _claimed(row: Any) -> Claimed:
    fetched = None if row.fetched is None else _fetched_from_row(row.fetched, row.body)
    return Claimed(row.id, row.url, row.depth, row.found_via, row.attempts, fetched)


def send(connection: Connection, task: str, *args: Any) -> None:
    """Queue a message in the caller's transaction (published by the relay)."""
    connection.execute(
        outbox.insert().values(task=task, args=clean_json(list(args)), created_at=utcnow())
    )


def _lock_scan(connection: Connection, scan_id: int) -> ScanStatus:
    """Lock the scan row for this transaction and return its status."""
    status = connection.scalar(
        select(scans.c.status).where(scans.c.id == scan_id).with_for_update()
    )
    if status is None:
        raise ScanNotFoundError(scan_id)
    return ScanStatus(status)


def _touch(connection: Connection, scan_id: int) -> None:
    connection.execute(update(scans).where(scans.c.id == scan_id).values(progressed_at=utcnow()))


def _add_counters(connection: Connection, scan_id: int, counters: dict[str, int]) -> None:
    if not counters:
        return
    where = scans.c.id == scan_id
    connection.execute(update(scans).where(where).values(counters=scans.c.counters))
    stored = dict(connection.scalar(select(scans.c.counters).where(where)) or {})
    for name, amount in counters.items():
        key = clean_text(name)
        stored[key] = int(stored.get(key, 0)) + int(amount)
    connection.execute(update(scans).where(where).values(counters=stored))


def _count_left_out(
    connection: Connection,
    scan_id: int,
    frontier: Frontier,
    document: dict[str, Any],
    queued: Sequence[tuple[str, int, str]],
) -> None:
    """Keep the URLs `frontier` left out under a limit in `left_out`, once each, and drop
    those `queued` now (a shorter path brought them within the depth limit); the scan's
    `discover/skipped/<limit>` counters change by what the table did.

    Selection runs in whichever worker takes its task, and a frontier made in another
    process knows nothing of what earlier ones left out: counted by each frontier, a URL
    linked from pages past the limit in two processes was counted twice, and one queued
    later by a shorter path stayed counted. Selection holds the scan's lock, so reading
    before writing is safe; `document` keeps the table's count (`LEFT_OUT`, the bound and
    a reason to skip the lookup of the queued URLs while nothing is held).
    """
    fresh = frontier.take_left_out()
    held = int(document.get(LEFT_OUT, 0))
    if not fresh and not held:
        return  # no limit kept anything out (most selections): nothing to key or look up
    where = left_out.c.scan_id == scan_id
    taken = {codec.url_key(clean_text(url)) for url, _, _ in queued}
    changes: Counter[str] = Counter()
    held_rows = (left_out.c.url_key, left_out.c.reason)
    for keys in _batches(sorted(taken) if held else [], 1000):
        query = rows_with_keys(connection, left_out.c.url_key, scan_id, keys, *held_rows)
        gone = connection.execute(query).all()
        delete_with_keys(connection, left_out.c.url_key, scan_id, (key for key, _ in gone))
        changes.subtract(reason for _, reason in gone)
        held -= len(gone)
    left: dict[str, str] = {}  # less those queued in this same selection: taken after all
    for url, reason in fresh:
        key = codec.url_key(clean_text(url))
        if key not in taken and left.get(key, DEPTH_LIMIT) == DEPTH_LIMIT:
            left[key] = reason  # another limit than depth: offered within the depth limit
    for keys in _batches(list(left), 1000):
        reasons = rows_with_keys(connection, left_out.c.url_key, scan_id, keys, *held_rows)
        known: dict[str, str] = dict(connection.execute(reasons).all())
        # Left out as too deep before, now by another limit within the depth limit: that
        # limit counts it (`Frontier._within_depth`).
        moved = [key for key in keys if known.get(key) == DEPTH_LIMIT and left[key] != DEPTH_LIMIT]
        for key in moved:
            connection.execute(
                update(left_out).where(where, left_out.c.url_key == key).values(reason=left[key])
            )
            changes[DEPTH_LIMIT] -= 1
            changes[left[key]] += 1
        new = [key for key in keys if key not in known][: max(0, LEFT_OUT_COUNTED - held)]
        if new:
            rows = [{"scan_id": scan_id, "url_key": key, "reason": left[key]} for key in new]
            connection.execute(left_out.insert(), rows)
        changes.update(left[key] for key in new)
        held += len(new)
    document[LEFT_OUT] = held
    _add_counters(
        connection,
        scan_id,
        {f"discover/skipped/{reason}": change for reason, change in changes.items() if change},
    )


def _page_counters(done: Sequence[Completed]) -> dict[str, int]:
    counters: dict[str, int] = {}
    for item in done:
        page = item.result.page
        crashed = (check_id for check_id, _message in item.result.check_errors)
        for name in outcome_counters(page.status, page.error_code, crashed):
            counters[name] = counters.get(name, 0) + 1
    return counters


def _drain(frontier: Frontier) -> list[tuple[str, int, str]]:
    entries = []
    while (entry := frontier.pop()) is not None:
        entries.append((entry.url, entry.depth, entry.found_via))
    return entries


def _queue(connection: Connection, scan_id: int, entries: list[tuple[str, int, str]]) -> list[int]:
    """Insert work rows for new URLs; returns the ids of the rows inserted."""
    if not entries:
        return []
    rows = [
        {
            "scan_id": scan_id,
            "url": clean_text(url),
            "url_key": codec.url_key(clean_text(url)),
            "depth": depth,
            "found_via": via,
            "state": QUEUED,
            "attempts": 0,
            "selected": False,
        }
        for url, depth, via in entries
    ]
    before = connection.scalar(select(func.max(work.c.id)).where(work.c.scan_id == scan_id)) or 0
    insert_ignoring(connection, work, rows, ["scan_id", "url_key"])
    return list(
        connection.scalars(
            select(work.c.id)
            .where(work.c.scan_id == scan_id, work.c.id > before)
            .order_by(work.c.id)
        )
    )


def _replay(connection: Connection, scan_id: int, frontier: Frontier, *, after: int) -> int:
    """Feed the frontier the URLs it accepted after work id `after`, in order; forget the
    replay's counts. Returns the newest work id replayed (or `after`)."""
    rows = connection.execute(
        select(work.c.id, work.c.url, work.c.depth, work.c.found_via)
        .where(work.c.scan_id == scan_id, work.c.id > after)
        .order_by(work.c.id)
    )
    newest = after
    for work_id, url, depth, via in rows:
        frontier.offer(url, depth, via)
        newest = work_id
    _drain(frontier)
    frontier.counters.clear()
    frontier.take_left_out()
    frontier.closer.clear()
    return newest


def _current_frontier(
    connection: Connection,
    scan_id: int,
    make_frontier: FrontierFactory,
    cache: FrontierCache | None,
) -> tuple[Frontier, int, dict[str, Any]]:
    """The scan's frontier (this process's, or made from its stored document), told of the
    work rows queued since; the newest work id it knows, and the stored document."""
    row = connection.execute(
        select(scans.c.spec, scans.c.frontier).where(scans.c.id == scan_id)
    ).one()
    document = dict(row.frontier or {})
    cached = cache.get(scan_id) if cache is not None else None
    frontier, replayed = cached or (make_frontier(codec.spec_from_json(row.spec), document), 0)
    return frontier, _replay(connection, scan_id, frontier, after=replayed), document


def _queue_accepted(
    connection: Connection,
    scan_id: int,
    frontier: Frontier,
    document: dict[str, Any],
    batch_size: int,
    *,
    answers: Mapping[str, int] | None = None,
) -> list[int]:
    """Queue the URLs the frontier accepted (and lower the depths it found closer), keep
    its counts and document, and send their fetches; the work ids queued.

    A queued URL with an answer in `answers` (URL -> the work row of the page whose
    redirects ended there) is staged from it and sent to extraction, not fetched again.
    """
    entries = _drain(frontier)
    queued = _queue(connection, scan_id, entries)
    staged = _stage_answers(connection, queued, answers) if answers else set()
    _lower_depths(connection, scan_id, frontier)
    _count_left_out(connection, scan_id, frontier, document, entries)
    _add_counters(connection, scan_id, dict(frontier.counters))
    frontier.counters.clear()
    _save_frontier(connection, scan_id, frontier, document)
    for batch in _batches([work_id for work_id in queued if work_id not in staged], batch_size):
        send(connection, FETCH, scan_id, batch)
    for batch in _batches(sorted(staged), batch_size):
        send(connection, EXTRACT, scan_id, batch)
    return queued


def _stage_answers(
    connection: Connection, queued: Sequence[int], answers: Mapping[str, int]
) -> set[int]:
    """Stage each queued row's answer from the row that holds it (as `stage` does a fetched
    response); the ids of the rows staged."""
    rows = connection.execute(select(work.c.id, work.c.url).where(work.c.id.in_(queued))).all()
    pairs = {target_id: answers[url] for target_id, url in rows if url in answers}
    if not pairs:
        return set()
    held = {
        row.id: row
        for row in connection.execute(
            select(work.c.id, work.c.fetched, work.c.body).where(work.c.id.in_(pairs.values()))
        )
    }
    connection.execute(
        update(work)
        .where(work.c.id == bindparam("target_id"), work.c.state == QUEUED)
        .values(state=FETCHED, fetched=bindparam("answer"), body=bindparam("answer_body")),
        [
            {
                "target_id": target_id,
                "answer": held[source_id].fetched,
                "answer_body": held[source_id].body,
            }
            for target_id, source_id in pairs.items()
        ],
    )
    return set(pairs)


def _answer_values(answer: FetchedPage | None) -> dict[str, Any]:
    """The `answer` and `answer_body` parameters of a completed row (both None without)."""
    if answer is None:
        return {"answer": None, "answer_body": None}
    document, body = _fetched_to_row(answer)
    return {"answer": document, "answer_body": body}


def _queue_more(
    connection: Connection,
    scan_id: int,
    make_frontier: FrontierFactory,
    cache: FrontierCache | None,
    batch_size: int,
    *,
    offer: Callable[[Frontier, dict[str, Any]], None],
) -> list[int]:
    """At fan-in: queue what `offer` gives the scan's frontier (and notes in its document);
    the work ids queued."""
    frontier, replayed, document = _current_frontier(connection, scan_id, make_frontier, cache)
    offer(frontier, document)
    queued = _queue_accepted(connection, scan_id, frontier, document, batch_size)
    if cache is not None:
        cache.put(scan_id, frontier, max([replayed, *queued]))
    return queued


def _lower_depths(connection: Connection, scan_id: int, frontier: Frontier) -> None:
    """Give the queued work rows of URLs found closer to the start since their depth (a
    page deeper down finished first and offered them); fetched ones keep theirs."""
    for url, depth in frontier.closer.items():
        connection.execute(
            update(work)
            .where(
                work.c.scan_id == scan_id,
                work.c.url_key == codec.url_key(clean_text(url)),
                work.c.state == QUEUED,
                work.c.depth > depth,
            )
            .values(depth=depth)
        )
    frontier.closer.clear()


def _release_blocked(connection: Connection, scan_id: int, frontier: Frontier) -> None:
    """Free the places under the page limit of the pages the fetch step blocked
    (`SqlCoordinator.block`, which counted them): they were accepted, but are no pages."""
    if not frontier.scope.subdomains:  # only a subdomain's late robots.txt blocks pages
        return
    urls = connection.scalars(
        select(work.c.url).where(work.c.scan_id == scan_id, work.c.state == BLOCKED)
    )
    for url in urls:
        if url in frontier.seen:
            frontier.block(url, count=False)


def _save_frontier(
    connection: Connection, scan_id: int, frontier: Frontier, document: dict[str, Any]
) -> None:
    # With those the fetch step blocked (`Coordinator.block`), read under the same lock.
    blocked = sorted(frontier.robots_blocked.union(document.get("robots_blocked", ())))
    traps = [[t.kind, t.pattern, t.example] for t in frontier.traps.values()]
    updated = {**document, "robots_blocked": blocked, "traps": traps}
    connection.execute(
        update(scans).where(scans.c.id == scan_id).values(frontier=clean_json(updated))
    )


def frontier_traps(document: dict[str, Any]) -> list[Trap]:
    """The traps a frontier document records."""
    return [Trap(str(k), str(p), str(e)) for k, p, e in document.get("traps", [])]


def _depth_cut(connection: Connection, scan_id: int) -> bool:
    """True when the depth limit left URLs out and their links were not yet looked at again
    `REOPEN_ROUNDS` times (`offer_cut_links`): at each fan-in, as the embedded engine does
    at the end of its crawl."""
    row = connection.execute(
        select(scans.c.counters, scans.c.frontier).where(scans.c.id == scan_id)
    ).one()
    cut = (row.counters or {}).get(TOO_DEEP, 0)
    return bool(cut) and int((row.frontier or {}).get(REOPENED, 0)) < REOPEN_ROUNDS


def _sitemaps_waiting(connection: Connection, scan_id: int) -> bool:
    """True while the scan's sitemap URLs wait for the pages found by links (`SITEMAPS`)."""
    document = connection.scalar(select(scans.c.frontier).where(scans.c.id == scan_id))
    return bool((document or {}).get(SITEMAPS))


def _all_finished(connection: Connection, scan_id: int) -> bool:
    pending = exists().where(
        work.c.scan_id == scan_id,
        or_(
            work.c.state.in_((QUEUED, FETCHED)),
            and_(work.c.state.in_(FINISHED), not_(work.c.selected)),
        ),
    )
    return not connection.scalar(select(pending))


def _batches(items: Sequence[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _fetched_to_row(page: FetchedPage) -> tuple[dict[str, Any], bytes]:
    document = {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "headers": [list(pair) for pair in page.headers],
        "redirects": [[hop.url, hop.status, hop.location] for hop in page.redirects],
        "ttfb_ms": page.ttfb_ms,
        "total_ms": page.total_ms,
        "encoding": page.encoding,
        "truncated": page.truncated,
        "error_code": page.error_code,
        "error_message": page.error_message,
    }
    cleaned = clean_json(document)
    assert isinstance(cleaned, dict)
    return cleaned, zlib.compress(page.body, 1)


def _fetched_from_row(document: dict[str, Any], body: bytes | None) -> FetchedPage:
    return FetchedPage(
        url=document["url"],
        final_url=document["final_url"],
        status=document["status"],
        headers=tuple((str(k), str(v)) for k, v in document["headers"]),
        body=zlib.decompress(body) if body else b"",
        redirects=tuple(
            RedirectHop(str(u), int(s), str(loc)) for u, s, loc in document["redirects"]
        ),
        ttfb_ms=document["ttfb_ms"],
        total_ms=document["total_ms"],
        encoding=document["encoding"],
        truncated=bool(document["truncated"]),
        error_code=document["error_code"],
        error_message=document["error_message"],
    )
