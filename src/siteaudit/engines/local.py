"""The embedded engine: one asyncio process runs every phase of a scan.

Workers (bounded by the crawl concurrency) take URLs from the frontier, fetch, extract,
discover and analyse each page; a single writer persists results in batches so the database
sees one writer at a time. Cancellation is cooperative: `cancel()` stops the frontier, lets
in-flight fetches finish for a short grace period, stores what was fetched and marks the scan
cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from siteaudit.checks.catalogue import Catalogue, CheckConfig
from siteaudit.crawl.bodies import LARGE_BODIES, BodyGate, current_gate, gate_large_bodies
from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.slots import SendingStoppedError, stop_sending_when
from siteaudit.engines.external_links import CheckProgress, ExternalStep
from siteaudit.engines.preflight import HostRobots
from siteaudit.engines.processing import (
    InlineProcessor,
    PageJob,
    PageProcessor,
    ProcessedPage,
    WorkersDiedError,
    WorkerStoreError,
)
from siteaudit.engines.resources import (
    TARGET_COUNTERS,
    Broken,
    ResourceChecks,
    check_targets,
    robots_verdict,
)
from siteaudit.engines.site_checks import analyze_site_on_two_cores
from siteaudit.engines.stopping import unless_stopped
from siteaudit.model import FetchedPage, Finding, ScanSpec, ScanStatus
from siteaudit.model.events import Progress
from siteaudit.model.page import CHECK_ERRORS, OUTCOME_COUNTERS, UNAUDITED, outcome_counters
from siteaudit.model.report import (
    CHALLENGED,
    DROPPED,
    MALFORMED,
    SITE_CHECK_ERRORS,
    SLOWED_DOWN,
)
from siteaudit.model.site import Site
from siteaudit.pipeline.aggregation import aggregate, scores_to_dict
from siteaudit.pipeline.analysis import SiteAnalysis, analyze_site
from siteaudit.pipeline.discovery import (
    COUNTED_PER_URL,
    REOPEN_ROUNDS,
    TOO_DEEP,
    Discovery,
    Frontier,
    FrontierEntry,
    offer_cut_links,
    redirect_answer,
    settle_depths,
)
from siteaudit.pipeline.fetching import fetch
from siteaudit.pipeline.ports import CrawlState, Fetcher, PageRows, ScanStore
from siteaudit.pipeline.urls import Scope

logger = logging.getLogger(__name__)

FLUSH_PAGES = 200
FLUSH_SECONDS = 1.0
CANCEL_GRACE_S = 2.0
# Counters a resumed run computes again in full: what discovery reads (robots.txt and the
# sitemaps, read again), the URLs the limits and robots.txt kept out, each counted once
# (the resumed frontier offers every stored link target without a page again), and the
# stored pages' outcomes (statuses, crashed checks: read from the pages, since a killed
# run never stored its counters). The others count events of their run and add up.
RECOUNTED_ON_RESUME = ("robots/", "sitemap/", *COUNTED_PER_URL, *OUTCOME_COUNTERS)
PROGRESS_INTERVAL_S = 0.25
# Site checks share two cores (engines/site_checks.py) from this many pages on: below it,
# forking costs more than the checks' half takes (6 ms against some 30 ms at 1,170 pages).
FORK_SITE_CHECKS_PAGES = 500

ProgressCallback = Callable[[Progress], None]
Preflight = Callable[[Fetcher, ScanSpec], Awaitable[Discovery]]


@dataclass(slots=True)
class _RunState:
    frontier: Frontier
    processor: PageProcessor
    robots: HostRobots | None = None  # with the subdomains option: each host's robots.txt
    pending: list[PageRows] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    # URLs listed in sitemaps, offered once every page found by links is fetched (then
    # emptied): a page a link reaches is found by the link, at its click depth, and the
    # page limit takes the pages nearest the start first; the others are found via the
    # sitemap. Offered with the start URL, every listed page was "found via the sitemap at
    # depth 0" on sites that list them all (most), and took places under the page limit
    # in sitemap order.
    listed: Sequence[str] = ()
    fetched: int = 0
    analyzed: int = 0
    errors: int = 0  # pages of this run that could not be fetched
    stored_errors: int = 0  # ... and of the runs before it (a resumed scan's stored pages)
    start_error: str | None = None
    percent: float = 0.0
    started: float = field(default_factory=time.monotonic)
    # The stored crawl with its depths settled, from the end of the crawl to the site checks.
    site: Site | None = None


class LocalEngine:
    """Runs scans in-process; every effect goes through the `ScanStore` port."""

    def __init__(
        self,
        store: ScanStore,
        catalogue: Catalogue,
        fetcher: Fetcher,
        *,
        preflight: Preflight | None = None,
        processor: Callable[[ScanSpec, int], PageProcessor] | None = None,
        max_links_per_page: int = 10_000,
        on_progress: ProgressCallback | None = None,
        fork_site_checks: bool = False,
        on_crawled: Callable[[int], None] | None = None,
        external: ExternalStep | None = None,
        resources_max: int = 10_000,
        checks_time_limit_s: float | None = None,
        large_bodies: int = LARGE_BODIES,
    ) -> None:
        """`large_bodies`: large response bodies held at once, from their reading to the end
        of their processing (crawl/bodies.py); `checks_time_limit_s`: how long the checks
        after the crawl may take (None: no limit)."""
        self._store = store
        self._checks_time_limit = checks_time_limit_s
        self._large_bodies = large_bodies
        self._external = external
        self._resources_max = resources_max
        self._fork_site_checks = fork_site_checks
        self._on_crawled = on_crawled
        self._catalogue = catalogue
        self._fetcher = fetcher
        self._preflight = preflight
        self._make_processor = processor or self._inline
        self._max_links = max_links_per_page
        self._on_progress = on_progress
        self._cancel = asyncio.Event()

    def _inline(self, spec: ScanSpec, _scan_id: int) -> PageProcessor:
        job = PageJob.for_scan(spec, self._max_links, CheckConfig())
        return InlineProcessor(job, self._catalogue)

    def cancel(self) -> None:
        """Ask the running scan to stop; safe to call from a signal handler."""
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()

    async def run(self, scan_id: int, *, resume: bool = False) -> ScanStatus:
        """Run scan `scan_id` to a terminal status and return it.

        With `resume`, pages already stored are not fetched again: the frontier restarts from
        the stored link targets that have no page yet.
        """
        spec = self._store.get_spec(scan_id)
        try:
            return await self._run(scan_id, spec, resume)
        except (WorkerStoreError, WorkersDiedError) as exc:  # not a bug: said plainly
            logger.error("scan %s failed: %s", scan_id, exc, extra={"scan_id": scan_id})
            self._store.set_status(scan_id, ScanStatus.FAILED, error=str(exc))
            return ScanStatus.FAILED
        except Exception as exc:
            logger.exception("scan %s failed", scan_id, extra={"scan_id": scan_id})
            self._store.set_status(scan_id, ScanStatus.FAILED, error=f"internal error: {exc}")
            return ScanStatus.FAILED

    async def _run(self, scan_id: int, spec: ScanSpec, resume: bool) -> ScanStatus:
        if resume:  # the run counts these again, whole: kept, they would add up twice
            self._store.drop_counters(scan_id, RECOUNTED_ON_RESUME)
        self._store.set_status(scan_id, ScanStatus.DISCOVERING)
        # Ctrl-C ends discovery at once (hundreds of sitemaps may be a Crawl-delay apart).
        found = await unless_stopped(self._discover(spec), self._cancel)
        if found is None:
            self._store.set_status(scan_id, ScanStatus.CANCELLED, error="cancelled by the user")
            return ScanStatus.CANCELLED
        if found.spec is not None:  # the start URL led elsewhere on the site: crawl from there
            spec = found.spec
            self._store.update_spec(scan_id, spec)
        robots = None
        if spec.subdomains and spec.respect_robots and found.robots is not None:
            robots = HostRobots(self._fetcher, spec, found.robots)
        frontier = Frontier(
            scope=Scope.of(spec),
            max_pages=spec.max_pages,
            max_depth=spec.max_depth,
            allowed_by_robots=found.allowed if robots is None else robots.allowed,
            follow_nofollow=spec.follow_nofollow,
        )
        stored = self._restore(scan_id, frontier, spec) if resume else None
        if found.crawl:  # a resumed frontier was offered it first
            frontier.offer(spec.start_url, 0, "start")
        state = _RunState(frontier, self._make_processor(spec, scan_id), robots)
        if found.crawl or resume:  # the sitemaps' URLs once the links run out (_worker)
            state.listed = found.sitemap_urls
        else:  # nothing to follow links from
            frontier.offer_sitemap_urls(found.sitemap_urls)
        state.counters.update(found.counters)
        if stored is not None:  # what the stored pages count, whether or not a run stored it
            state.counters.update(stored.outcomes)
            state.stored_errors = stored.errors
        self._store.set_status(scan_id, ScanStatus.SELECTING)
        self._store.set_status(scan_id, ScanStatus.FETCHING)
        await self._crawl_to_the_end(scan_id, spec, state)
        self._store_crawl(scan_id, state, found)
        if self._cancel.is_set():
            self._store.set_status(scan_id, ScanStatus.CANCELLED, error="cancelled by the user")
            return ScanStatus.CANCELLED
        failure = self._unreachable(state, spec, found)
        if failure:
            self._store.set_status(scan_id, ScanStatus.FAILED, error=failure)
            return ScanStatus.FAILED
        # Depths settled first: whatever reads the stored pages from here on (the reports
        # prepared ahead in a child forked by `on_crawled`, the site checks) reads them
        # settled. Settled after that hook, the child's JSON report kept a page's depth from
        # before now and then (the scan's process and the child racing for the rows).
        state.site = self._settled_site(scan_id, spec, state.site)
        if self._on_crawled is not None:
            self._on_crawled(scan_id)  # every page is stored; the site checks come next
        if (self._external is not None and spec.check_external) or spec.check_resources:
            # The checks of links to other sites and of resources start the analysis: say
            # so while they run.
            self._store.set_status(scan_id, ScanStatus.ANALYZING)
            self._report_progress(scan_id, state, ScanStatus.ANALYZING)
        # Cancelling now ends those checks early; the crawl itself is complete.
        broken = await self._check_targets(scan_id, spec, state, found)
        return self._finish(scan_id, spec, state, broken)

    def _settled_site(self, scan_id: int, spec: ScanSpec, site: Site | None) -> Site:
        """The stored crawl (`site` when it was read since the last page was stored) as the
        site checks read it, each page at the shortest depth its crawl's links give it
        (stored too: `settle_depths`)."""
        if site is None:
            site = self._store.load_site(scan_id)
        return settle_depths(self._store, scan_id, site, follow_nofollow=spec.follow_nofollow)

    async def _crawl_to_the_end(self, scan_id: int, spec: ScanSpec, state: _RunState) -> None:
        """Crawl until every page is stored (or the scan is stopped), then close the
        processor."""
        try:
            await self._crawl(scan_id, spec, state)
            # Pages a dead worker process had processed but not stored are fetched again,
            # as long as some come back: during the crawl, or as the workers store their
            # last rows (`settle`; then inline).
            while not self._cancel.is_set():
                if not self._requeue_lost(state):
                    state.processor.settle()
                    if not self._requeue_lost(state):
                        break
                await self._crawl(scan_id, spec, state)
            # Links the depth limit cut from pages a shorter path brings within it; the
            # pages after settling run inline (`settle`).
            for _ in range(REOPEN_ROUNDS):
                if self._cancel.is_set() or not self._reopen(scan_id, state):
                    break
                await self._crawl(scan_id, spec, state)
        finally:
            state.processor.close()

    def _reopen(self, scan_id: int, state: _RunState) -> bool:
        """Offer the links the depth limit cut that a shorter path brings within it
        (`cut_links`); True when the frontier took some. The stored crawl read for that is
        kept for the depth settling when it took none."""
        state.site = None
        if not state.frontier.counters.get(TOO_DEEP):
            return False  # the limit cut nothing (most scans): nothing to read
        site = self._store.load_site(scan_id)
        if offer_cut_links(state.frontier, site, scan_id):
            return True
        state.site = site
        return False

    def _store_crawl(self, scan_id: int, state: _RunState, found: Discovery) -> None:
        """The crawl's counters (this run's: a resumed scan adds them up) and what discovery
        found, once the crawl has ended."""
        frontier = state.frontier
        state.counters.update(frontier.counters)
        fetcher = self._fetcher
        told = {
            SLOWED_DOWN: fetcher.slowed_down,
            CHALLENGED: fetcher.challenged,
            DROPPED: fetcher.dropped,
            MALFORMED: fetcher.malformed,
        }
        state.counters.update({name: count for name, count in told.items() if count})
        if state.robots is not None:
            state.counters.update(state.robots.counters)
        self._store.add_counters(scan_id, dict(state.counters))
        self._store.save_discovery(
            scan_id,
            facts=found.facts,
            traps=list(frontier.traps.values()),
            robots_blocked=sorted(frontier.robots_blocked),
            sitemap_urls=found.sitemap_urls,
        )

    async def _check_targets(
        self, scan_id: int, spec: ScanSpec, state: _RunState, found: Discovery
    ) -> Broken:
        """Check the crawl's links to other hosts and its pages' subresources
        (`engines/resources.py`) with the crawl's fetcher and robots.txt; what failed."""
        external = self._external if spec.check_external else None
        own = None
        if spec.check_resources:
            own = ResourceChecks(
                check=self._fetcher.check,
                allowed=robots_verdict(found.allowed, state.robots),
                is_own=state.frontier.scope.is_internal,
                limit=self._resources_max,
                concurrency=spec.concurrency,
            )
        if external is None and own is None:
            return Broken()
        progress = CheckProgress()
        limit = self._checks_time_limit
        deadline = None if limit is None else time.monotonic() + limit
        ticker = asyncio.create_task(self._tick_checks(scan_id, state, progress))
        try:
            broken = await check_targets(
                self._store,
                scan_id,
                self._cancel,
                external=external,
                own=own,
                excluded=state.frontier.scope.excludes,
                deadline=deadline,
                progress=progress,
            )
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        # A scan killed after these checks checks again when resumed: counted once.
        self._store.replace_counters(scan_id, TARGET_COUNTERS, broken.counters)
        return broken

    def _requeue_lost(self, state: _RunState) -> bool:
        """Queue again the pages a dead worker process never stored; True if there were.

        What was counted of them is taken back, so that the counts match the pages stored
        once they are fetched again; `fetch/refetched-after-worker-loss` says how many.
        """
        lost = state.processor.take_lost()
        if not lost:
            return False
        for page in lost:
            state.frontier.requeue(page.url, page.depth, page.found_via)
            if page.done is not None:
                state.fetched -= 1
                _count(state, page.done, page.found_via, -1)
        state.counters["fetch/refetched-after-worker-loss"] += len(lost)
        return True

    def _restore(self, scan_id: int, frontier: Frontier, spec: ScanSpec) -> CrawlState:
        """Mark stored pages as done and queue what they offered that was never fetched
        (followed links, redirect targets, canonicals); what the stored pages hold (their
        outcomes count towards the scan's)."""
        # Pages skipped because their host had stopped answering were never requested:
        # forgotten, they are queued again by whatever found them (a link, a sitemap...).
        skipped = self._store.forget_pages(scan_id, ErrorCode.CIRCUIT_OPEN.value)
        stored = self._store.load_crawl_state(scan_id, follow_nofollow=spec.follow_nofollow)
        frontier.restore(stored.done, stored.pending, spec.start_url, stored.offers)
        logger.info(
            "resuming scan %s: %d pages stored, %d queued (%d skipped before, asked again)",
            scan_id,
            len(stored.done),
            len(frontier),
            skipped,
            extra={"scan_id": scan_id},
        )
        return stored

    async def _discover(self, spec: ScanSpec) -> Discovery:
        if self._preflight is None:
            return Discovery()
        return await self._preflight(self._fetcher, spec)

    async def _crawl(self, scan_id: int, spec: ScanSpec, state: _RunState) -> None:
        wake = asyncio.Event()
        # Once the user stops the scan, a request still waiting for its host's turn is not
        # sent: only those already on the wire get the grace period below. Large bodies are
        # read a few at a time, each held until its page is processed (crawl/bodies.py).
        gate = BodyGate(self._large_bodies)
        with stop_sending_when(self._cancel.is_set), gate_large_bodies(gate):
            workers = [
                asyncio.create_task(self._worker(spec, state, wake))
                for _ in range(max(1, spec.concurrency))
            ]
        ticker = asyncio.create_task(self._tick(scan_id, state))
        done: asyncio.Future[list[None]] = asyncio.gather(*workers)
        cancel_wait: asyncio.Future[bool] = asyncio.ensure_future(self._cancel.wait())
        waiting: set[asyncio.Future[Any]] = {done, cancel_wait}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        crashed = done.done() and not done.cancelled() and done.exception() is not None
        if crashed:
            # A worker raised (a bug, not a page failure: those are data). Stop the others,
            # keep what was processed, and let run() store the scan as failed.
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        elif not done.done():
            # Cancelled: give in-flight pages a moment, then stop them.
            wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(done), CANCEL_GRACE_S)
            for task in workers:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await done
        cancel_wait.cancel()
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        self._flush(scan_id, state)
        if crashed:
            error = done.exception()
            assert error is not None
            raise error
        self._report_progress(scan_id, state, ScanStatus.FETCHING)

    async def _worker(self, spec: ScanSpec, state: _RunState, wake: asyncio.Event) -> None:
        while not self._cancel.is_set():
            entry = state.frontier.pop()
            if entry is None:
                if state.in_flight == 0:
                    wake.set()  # release every idle worker: the sitemaps' turn, or the end
                    if state.frontier.release_resumed():  # a resumed scan's next depth
                        continue
                    if state.listed:
                        listed, state.listed = state.listed, ()
                        state.frontier.offer_sitemap_urls(listed)
                        continue
                    return
                state.processor.store_now()  # the crawl may be ending
                wake.clear()
                await wake.wait()
                continue
            state.in_flight += 1
            try:
                await self._process(spec, state, entry)
            finally:
                state.in_flight -= 1
                wake.set()

    async def _process(self, spec: ScanSpec, state: _RunState, entry: FrontierEntry) -> None:
        try:
            robots = state.robots
            if robots is not None:  # queued maybe before its host's robots.txt was read
                await robots.learn(entry.url)
                if not robots.allowed(entry.url):
                    state.frontier.block(entry.url)
                    return
            fetched = await fetch(self._fetcher, entry.url)
        except SendingStoppedError:
            return  # stopped before it was sent: a resumed scan fetches it
        try:
            target = await self._claim_target(state, entry, fetched)
        except SendingStoppedError:  # stopped before its host's robots.txt was read
            target = None  # offered as usual: a resumed scan fetches it
        try:
            await self._analyse(state, fetched, entry.depth, entry.found_via)
            if target is not None:
                await self._analyse(state, target, entry.depth, "redirect")
        finally:
            gate = current_gate()
            if gate is not None:
                gate.release()  # its large body, if it had one, is processed

    async def _claim_target(
        self, state: _RunState, entry: FrontierEntry, fetched: FetchedPage
    ) -> FetchedPage | None:
        """The answer that ended `fetched`'s redirects, as its target's own page
        (`redirect_answer`), when the frontier takes the target now (as it would queue it:
        new, in scope, allowed, within limits); else None, and the target is offered as
        usual."""
        answer = redirect_answer(fetched)
        if answer is None:
            return None
        if state.robots is not None:
            await state.robots.learn(answer.url)  # the frontier asks it (`allowed_by_robots`)
        if not state.frontier.claim(answer.url, entry.depth, "redirect"):
            return None
        return answer

    async def _analyse(
        self, state: _RunState, fetched: FetchedPage, depth: int, found_via: str
    ) -> None:
        """Process one fetched page, offer what it found and count it."""
        state.fetched += 1
        done = await state.processor.process(fetched, depth, found_via)
        for url, at, via in done.candidates:
            state.frontier.offer(url, at, via)
        _count(state, done, found_via, 1)
        self._requeue_lost(state)
        if done.rows is not None:  # else a worker process stored them itself
            state.pending.append(done.rows)

    async def _tick(self, scan_id: int, state: _RunState) -> None:
        last_flush = time.monotonic()
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL_S)
            self._report_progress(scan_id, state, ScanStatus.FETCHING)
            now = time.monotonic()
            if len(state.pending) >= FLUSH_PAGES or now - last_flush >= FLUSH_SECONDS:
                self._flush(scan_id, state)
                last_flush = now

    async def _tick_checks(self, scan_id: int, state: _RunState, checks: CheckProgress) -> None:
        """Progress while links to other sites and resources are checked (a site's
        Crawl-delay can make these take long): how many of how many, and the time left."""
        started = time.monotonic()
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL_S)
            self._report_progress(scan_id, state, ScanStatus.ANALYZING, checks, started)

    def _flush(self, scan_id: int, state: _RunState) -> None:
        """Write the results gathered so far, on the event loop's own thread.

        Not in a worker thread: sqlite3 releases the GIL for every row it steps, and a busy
        event loop then makes each row wait for the GIL (a convoy that turned a 4,000-row
        write into five seconds). A synchronous write costs the same CPU, keeps the loop's
        fetches queued in the kernel meanwhile, and cannot be interrupted half-way.
        """
        pages, state.pending = state.pending, []
        if pages:
            self._store.save_page_rows(scan_id, pages)

    def _report_progress(
        self,
        scan_id: int,
        state: _RunState,
        status: ScanStatus,
        checks: CheckProgress | None = None,
        checks_started: float = 0.0,
    ) -> None:
        """A `Progress` for the display; with `checks`, of the checks after the crawl
        (`checks_started` is when they began: the time left is from their rate)."""
        if self._on_progress is None:
            return
        # The sitemaps' URLs are queued once the links run out, most of them found by
        # links by then: the site has at least as many pages as they list (in scope,
        # within the page limit), which early in a crawl is a better total than the
        # URLs seen so far, and keeps the estimate from stalling when they are queued.
        known = max(len(state.frontier.seen), len(state.listed))
        discovered = max(known, 1)
        # Fetching is 90% of the work, the checks after it up to 5% more; the estimate
        # never moves backwards.
        done = min(90.0, 90.0 * state.analyzed / discovered)
        elapsed = max(time.monotonic() - state.started, 1e-6)
        rate = state.analyzed / elapsed
        eta = (discovered - state.analyzed) / rate if rate > 0 else None
        checked = to_check = 0
        if checks is not None and checks.total:
            checked, to_check = checks.checked, checks.total
            done = 90.0 + 5.0 * checked / to_check
            pace = checked / max(time.monotonic() - checks_started, 1e-6)
            eta = (to_check - checked) / pace if pace > 0 else None
        state.percent = max(state.percent, done)
        self._on_progress(
            Progress(
                scan_id=scan_id,
                status=status,
                discovered=known,
                fetched=state.fetched,
                analyzed=state.analyzed,
                errors=state.errors,
                percent=round(state.percent, 1),
                pages_per_s=round(rate, 1),
                eta_s=round(eta, 1) if eta is not None else None,
                checked=checked,
                to_check=to_check,
            )
        )

    def _unreachable(self, state: _RunState, spec: ScanSpec, found: Discovery) -> str | None:
        """A message when the start URL got no answer and nothing else was fetched."""
        if state.fetched == 0:
            if state.frontier.seen:
                return None  # a resumed scan whose pages were all stored already
            return found.blocked_reason or f"nothing could be fetched from {spec.start_url}"
        if state.start_error is None or state.errors < state.fetched:
            return None
        return f"could not reach {spec.start_url}: {state.start_error}"

    def _analyze_site(self, scan_id: int, spec: ScanSpec, site: Site) -> SiteAnalysis:
        """The site checks, on two cores when allowed and the crawl is large enough to gain."""
        checks = self._catalogue.site_checks

        def sink(batch: Sequence[Finding]) -> None:
            self._store.save_site_findings(scan_id, batch)

        if self._fork_site_checks and len(site.pages) >= FORK_SITE_CHECKS_PAGES:
            return analyze_site_on_two_cores(site, checks, spec.start_url, sink)
        return analyze_site(site, checks, spec.start_url, sink=sink)

    def _finish(
        self,
        scan_id: int,
        spec: ScanSpec,
        state: _RunState,
        broken: Broken,
    ) -> ScanStatus:
        self._store.set_status(scan_id, ScanStatus.ANALYZING)
        site, state.site = state.site, None  # held here alone: freed once the checks end
        assert site is not None, "the site is settled when the crawl ends"
        site = broken.given_to(site)
        site_result = self._analyze_site(scan_id, spec, site)
        del site
        # Named, so the report says which, and scored as not applicable; a resumed scan's
        # run replaces the first's.
        crashed = {f"{SITE_CHECK_ERRORS}{check}": 1 for check, _ in site_result.errors}
        self._store.replace_counters(scan_id, (SITE_CHECK_ERRORS,), crashed)
        self._store.set_status(scan_id, ScanStatus.AGGREGATING)
        scores = aggregate(self._catalogue, self._store.check_stats(scan_id))
        self._store.save_scores(scan_id, scores_to_dict(scores))
        page_checks_crashed = any(k.startswith(CHECK_ERRORS) for k in state.counters)
        status = (
            ScanStatus.COMPLETED_WITH_ERRORS
            if state.errors or state.stored_errors or page_checks_crashed or site_result.errors
            else ScanStatus.COMPLETED
        )
        self._store.set_status(scan_id, status)
        state.percent = 100.0
        self._report_progress(scan_id, state, status)
        return status


def _count(state: _RunState, done: ProcessedPage, found_via: str, sign: int) -> None:
    """Count one processed page (`sign` 1), or take it back (-1: it is fetched again)."""
    state.analyzed += sign
    crashed = (check_id for check_id, _message in done.check_errors)
    for name in outcome_counters(done.status, done.error_code, crashed):
        state.counters[name] += sign
        if not state.counters[name]:
            del state.counters[name]  # taken back entirely: as if never counted
    if done.error_code:
        state.errors += sign
        if sign > 0 and found_via == "start" and done.error_code not in UNAUDITED:
            state.start_error = done.error_message or done.error_code
