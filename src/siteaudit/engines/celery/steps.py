"""What each Celery task does: pipeline functions between claims and commits.

A task body is: read the scan's control row, claim its pages, run the pipeline function,
commit the result with the messages it calls for (the outbox). Nothing is kept between tasks
but caches (the catalogue, one page analyser per scan), so any worker can run any task and a
redelivered task resumes from what the database says.

Page steps: `fetch` (scan.scraping) stages responses in the database; `extract`
(scan.extraction) parses them, runs the page checks and stores pages, links and findings.
Scan steps: `start` (scan.orchestration), `discover` (robots.txt, sitemaps), `select` (the
frontier, and the fan-in when no work is left), `analyze` (site checks) and `aggregate`
(scores, final status).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis
import sqlalchemy.exc
from celery.exceptions import SoftTimeLimitExceeded

from siteaudit.checks.catalogue import Catalogue
from siteaudit.crawl.bodies import BodyDeferredError, BodyGate, gate_large_bodies
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.slots import SendingStoppedError, SlotWaitExpiredError, stop_sending_when
from siteaudit.engines.celery.events import EventLog, events_url
from siteaudit.engines.celery.heartbeat import heartbeat
from siteaudit.engines.celery.politeness import SharedBreaker, SharedHostSlots, slot_deadline
from siteaudit.engines.celery.schedule import newest_slot
from siteaudit.engines.external_links import CheckProgress
from siteaudit.engines.preflight import (
    HostRobots,
    apply_crawl_delay,
    origin_of,
    preflight,
    robots_allowed,
)
from siteaudit.engines.resources import (
    TARGET_COUNTERS,
    ResourceChecks,
    check_targets,
    robots_verdict,
)
from siteaudit.engines.runner import build_catalogue, external_step, fetch_config, make_fetcher
from siteaudit.engines.stopping import unless_stopped
from siteaudit.model import FetchedPage, ScanSpec, ScanStatus
from siteaudit.model.report import (
    CHALLENGED,
    DROPPED,
    MALFORMED,
    SITE_CHECK_ERRORS,
    SLOWED_DOWN,
)
from siteaudit.model.site import Trap
from siteaudit.pipeline.aggregation import aggregate, scores_to_dict
from siteaudit.pipeline.analysis import PageAnalyzer, SiteAnalysis, analyze_site
from siteaudit.pipeline.discovery import Frontier, candidates, redirect_answer, settle_depths
from siteaudit.pipeline.fetching import fetch, to_page
from siteaudit.pipeline.ports import LinkRecord, PageResult
from siteaudit.pipeline.urls import Scope
from siteaudit.settings import Settings
from siteaudit.storage.coordination import (
    AGGREGATE,
    DISCOVER,
    SITEMAPS,
    Claim,
    Claimed,
    Completed,
    FrontierCache,
    Message,
    SqlCoordinator,
    frontier_traps,
)
from siteaudit.storage.database import create_engine_for
from siteaudit.storage.schedules import fire_due

logger = logging.getLogger(__name__)

WORKER_LOST = "worker-lost"  # stable error codes of pages the engine gave up on
TIME_LIMIT = "time-limit"
CANCEL_CHECK_S = 0.5  # how stale a worker's view of the cancel flag may be
# A fetch task stops waiting for host slots after this share of its soft time limit: the
# pages still waiting go back to the queue (not an attempt), the fetches under way finish.
SLOT_WAIT_SHARE = 0.5
TOKEN_MARGIN_S = 10  # a slot token outlives its request's deadline by this (clocks, load)
# A fetch task holds its batch's bodies until the whole batch is fetched: only this many of
# them may be large (past `LARGE_BODY_BYTES`, crawl/bodies.py); the batch's other large
# pages go back to the queue untried and are fetched alone (one large body a task). Bounds
# a task at this many times the body cap (10 MB) plus 1 MiB for each other page, where a
# batch of 25 pages of 10 MB held 250 MB.
LARGE_BODIES_PER_TASK = 2
# `analyze` starts no check of links to other sites or of resources after this share of
# its time limit: the site checks and scoring need the rest.
TARGETS_SHARE = 0.5
ANALYZERS_KEPT = 8
T = TypeVar("T")

Publish = Callable[[Message], None]


class Steps:
    """The work of every task, for one worker process."""

    def __init__(
        self,
        settings: Settings,
        coordinator: SqlCoordinator | None = None,
        *,
        inline_extract: bool = True,
    ) -> None:
        self.settings = settings
        self.inline_extract = inline_extract
        self.dist = settings.distributed
        self.coord = coordinator or SqlCoordinator(create_engine_for(settings.database_url))
        self.catalogue: Catalogue = build_catalogue(settings)
        self.events = EventLog(events_url(settings))
        self._analyzers: dict[int, tuple[Scope, PageAnalyzer]] = {}
        self._frontiers = FrontierCache(ANALYZERS_KEPT)
        self._paced: set[int] = set()  # scans whose Crawl-delay this process applied
        # With the subdomains option: each scan's robots.txt per host, as this process read
        # them (every process reads a host's robots.txt once, before its first page there).
        self._robots: dict[int, HostRobots] = {}
        self._cancel_seen: dict[int, tuple[float, bool]] = {}
        # One event loop and one HTTP client per worker process, kept between tasks, so
        # that connections to a site are reused across batches (keep-alive).
        self._loop = asyncio.new_event_loop()
        self._fetchers: dict[bool, HttpFetcher] = {}  # by whether they verify TLS

    # -- scan steps -----------------------------------------------------------------------

    def start(self, scan_id: int) -> None:
        """pending -> discovering, once."""
        moved = self.coord.advance(
            scan_id, ScanStatus.PENDING, ScanStatus.DISCOVERING, then=(DISCOVER,)
        )
        if moved:
            self.events.publish(scan_id, "status", status=ScanStatus.DISCOVERING.value)

    def discover(self, scan_id: int) -> None:
        """robots.txt and sitemaps, then the first pages; the scan moves to `fetching`."""
        control = self.coord.control(scan_id)
        if control.status is not ScanStatus.DISCOVERING or control.stopped:
            return
        spec = control.spec
        with self._heartbeat(scan_id):  # hundreds of sitemaps paced by a Crawl-delay
            read = self._unless_cancelled(scan_id, preflight(self._http(spec), spec))
            found = self._loop.run_until_complete(read)
        if found is None:
            return  # cancelled meanwhile: nothing more is asked of the site
        if found.spec is not None:  # the start URL led elsewhere on the site: crawl from there
            spec = found.spec
            self.coord.store.update_spec(scan_id, spec)
        document: dict[str, Any] = {"robots": found.robots}
        frontier = self.frontier(spec, document)
        if found.crawl:  # the sitemaps' URLs once the links run out, as the local engine
            frontier.offer(spec.start_url, 0, "start")
            document[SITEMAPS] = bool(found.sitemap_urls)  # (SqlCoordinator._select)
        else:  # nothing to follow links from
            frontier.offer_sitemap_urls(found.sitemap_urls)
        empty = len(frontier) == 0
        discovery = {
            "facts": found.facts,
            "traps": list(frontier.traps.values()),
            "robots_blocked": sorted(frontier.robots_blocked),
            "listed": list(found.sitemap_urls),
        }
        started = self.coord.start_crawl(
            scan_id,
            frontier=frontier,
            frontier_document=document,
            discovery=discovery,
            counters={**found.counters, **frontier.counters},
            batch_size=self.dist.batch_size,
        )
        if started and empty:
            reason = found.blocked_reason or f"nothing could be fetched from {spec.start_url}"
            self.coord.advance(scan_id, ScanStatus.FETCHING, ScanStatus.FAILED, error=reason)
            self.events.publish(scan_id, "status", status=ScanStatus.FAILED.value, error=reason)
        elif started:
            self.events.publish(scan_id, "status", status=ScanStatus.FETCHING.value)

    def select(self, scan_id: int) -> None:
        """Queue the pages finished pages link to; fan in when nothing is left."""
        queued, fanned_in = self.coord.select(
            scan_id, self.frontier, self.dist.batch_size, cache=self._frontiers
        )
        if queued:
            self.events.publish(scan_id, "queued", pages=queued)
        if fanned_in:
            self.events.publish(scan_id, "status", status=ScanStatus.ANALYZING.value)

    def analyze(self, scan_id: int) -> None:
        """Site checks over the stored crawl, then `aggregating` (or `failed`)."""
        control = self.coord.control(scan_id)
        if control.status is not ScanStatus.ANALYZING:
            return
        spec = control.spec
        self.coord.record_frontier(scan_id)
        failure = self.coord.start_failure(scan_id, spec.start_url)
        if failure:
            self.coord.advance(scan_id, ScanStatus.ANALYZING, ScanStatus.FAILED, error=failure)
            self.events.publish(scan_id, "status", status=ScanStatus.FAILED.value, error=failure)
            return
        progress = CheckProgress()
        with self._heartbeat(scan_id, progress):
            result = self._analyze_site(scan_id, spec, control.frontier, progress)
        if result is None:
            return
        errors = {f"{SITE_CHECK_ERRORS}{check}": 1 for check, _ in result.errors}
        self.coord.store.replace_counters(scan_id, (SITE_CHECK_ERRORS,), errors)
        moved = self.coord.advance(
            scan_id, ScanStatus.ANALYZING, ScanStatus.AGGREGATING, then=(AGGREGATE,)
        )
        if moved:
            self.events.publish(scan_id, "status", status=ScanStatus.AGGREGATING.value)

    def _analyze_site(
        self, scan_id: int, spec: ScanSpec, document: dict[str, Any], progress: CheckProgress
    ) -> SiteAnalysis | None:
        """The checks after the crawl (`check_targets`), then the site checks; None when
        the scan was cancelled during the former."""
        site = self.coord.store.load_site(scan_id)
        site = settle_depths(self.coord.store, scan_id, site, follow_nofollow=spec.follow_nofollow)
        if spec.check_external or spec.check_resources:
            checks = check_targets(
                self.coord.store,
                scan_id,
                asyncio.Event(),  # the user's cancel ends the whole step (below)
                external=external_step(self.settings) if spec.check_external else None,
                own=self._resource_checks(scan_id, spec, document),
                excluded=Scope.of(spec).excludes,
                # Past it the rest is counted, not checked: the site checks still run
                # within the task's time limit (a slow site's Crawl-delay paces these).
                deadline=time.monotonic() + self.dist.analysis_time_limit_s * TARGETS_SHARE,
                progress=progress,
            )
            broken = self._loop.run_until_complete(self._unless_cancelled(scan_id, checks))
            if broken is None:
                return None  # the scan is cancelled: its site checks would go unused
            # A redelivered `analyze` checks again: its counters replace the first run's.
            self.coord.store.replace_counters(scan_id, TARGET_COUNTERS, broken.counters)
            site = broken.given_to(site)

        def save(batch: Any) -> None:
            self.coord.store.save_site_findings(scan_id, batch)

        return analyze_site(site, self.catalogue.site_checks, spec.start_url, sink=save)

    def aggregate(self, scan_id: int) -> None:
        """Scores and the final status, once."""
        if self.coord.control(scan_id).status is not ScanStatus.AGGREGATING:
            return
        scores = aggregate(self.catalogue, self.coord.store.check_stats(scan_id))
        status = self.coord.finish(scan_id, scores_to_dict(scores))
        if status is not None:
            self.events.publish(scan_id, "status", status=status.value, site_score=scores.site)
        self._analyzers.pop(scan_id, None)
        self._robots.pop(scan_id, None)
        self._frontiers.drop(scan_id)
        self._paced.discard(scan_id)

    def fail_scan(self, scan_id: int, exc: BaseException) -> None:
        """A scan step hit a bug: the scan fails with the error, its pages kept."""
        logger.exception("scan %s failed", scan_id, exc_info=exc)
        control = self.coord.control(scan_id)
        if not control.status.is_terminal:
            error = f"internal error: {exc}"
            self.coord.advance(scan_id, control.status, ScanStatus.FAILED, error=error)
            self.events.publish(scan_id, "status", status=ScanStatus.FAILED.value, error=error)

    # -- page steps -----------------------------------------------------------------------

    def fetch(self, scan_id: int, ids: list[int], owner: str) -> None:
        """Fetch claimed pages concurrently; extract them here or stage them for extraction.

        A worker that also consumes `scan.extraction` (`inline_extract`) parses the pages it
        fetched at once: no response goes through the database and no extra task waits in a
        queue. A scraping-only worker stages the responses for the extraction workers.
        """
        control = self.coord.control(scan_id)
        if control.stopped:
            return
        spec = control.spec
        claim = self._claim("fetch", scan_id, ids, owner, spec)
        if scan_id not in self._paced:  # the Crawl-delay discovery read, once per scan here
            apply_crawl_delay(self._http(spec), control.frontier.get("robots"), spec)
            self._paced.add(scan_id)
        found = _Found()
        done: list[Completed] = []
        by_id = {claimed.id: claimed for claimed in claim.mine}
        robots = self._host_robots(scan_id, spec, control.frontier)
        http = self._http(spec)
        slowed, challenged, dropped = http.slowed_down, http.challenged, http.dropped
        malformed = http.malformed
        try:
            self._loop.run_until_complete(
                self._fetch_all(scan_id, spec, claim.mine, found, robots=robots)
            )
            if self.inline_extract:
                for work_id, page in sorted(found.fetched, key=lambda item: item[0]):
                    done.append(self._extract(scan_id, spec, by_id[work_id], page))
        except SoftTimeLimitExceeded:
            if self.inline_extract:  # fetched but not yet extracted: fetched again, alone
                finished = {item.work_id for item in done}
            else:
                finished = {work_id for work_id, _ in found.fetched}
            # Given back below: not tried.
            finished |= {claimed.id for claimed in found.waited + found.deferred}
            self._overran(
                scan_id, "fetch", ids=ids, mine=claim.mine, done=finished, owner=owner, spec=spec
            )
        self.coord.block(scan_id, owner, found.blocked)
        if found.waited:  # e.g. a killed node's slot tokens, until they expire
            logger.info(
                "scan %s: %d pages waited too long for a slot at their host; queued again",
                scan_id,
                len(found.waited),
                extra={"scan_id": scan_id},
            )
        if found.deferred:  # large bodies past this task's share (LARGE_BODIES_PER_TASK)
            logger.info(
                "scan %s: %d large pages past a fetch task's share of %d were not read; each"
                " is fetched again alone",
                scan_id,
                len(found.deferred),
                LARGE_BODIES_PER_TASK,
                extra={"scan_id": scan_id},
            )
        untried = [claimed.id for claimed in found.waited + found.deferred]
        self.coord.release("fetch", untried, owner, scan_id, tried=False)  # each sent alone
        # The site asked this task to slow down, or dropped some of its requests.
        told = {
            SLOWED_DOWN: http.slowed_down - slowed,
            CHALLENGED: http.challenged - challenged,
            DROPPED: http.dropped - dropped,
            MALFORMED: http.malformed - malformed,
        }
        if any(told.values()):
            self.coord.add_counters(scan_id, {name: n for name, n in told.items() if n})
        if robots is not None and robots.counters:  # the robots.txt this task read
            self.coord.add_counters(scan_id, dict(robots.counters))
            robots.counters.clear()
        if not self.inline_extract:
            self.coord.stage(scan_id, owner, found.fetched)
            return
        stored = self.coord.complete(scan_id, owner, done, step="fetch")
        if stored:
            urls = [item.result.page.url for item in done]
            self.events.publish(scan_id, "pages", done=stored, urls=urls)

    def extract(self, scan_id: int, ids: list[int], owner: str) -> None:
        """Parse staged responses, run the page checks, store pages, links and findings.

        Runs for a cancelled scan too: its fetched pages are kept, and parsing sends nothing.
        """
        control = self.coord.control(scan_id)
        claim = self._claim("extract", scan_id, ids, owner, control.spec)
        done: list[Completed] = []
        try:
            for claimed in claim.mine:
                assert claimed.fetched is not None, "a fetched page has its response staged"
                done.append(self._extract(scan_id, control.spec, claimed, claimed.fetched))
        except SoftTimeLimitExceeded:
            finished = {item.work_id for item in done}
            self._overran(
                scan_id,
                "extract",
                ids=ids,
                mine=claim.mine,
                done=finished,
                owner=owner,
                spec=control.spec,
            )
        stored = self.coord.complete(scan_id, owner, done)
        if stored:
            urls = [item.result.page.url for item in done]
            self.events.publish(scan_id, "pages", done=stored, urls=urls)

    # -- recovery -------------------------------------------------------------------------

    def reconcile(self) -> int:
        """Start due periodic scans; re-send the work of scans stalled for `stall_s`.

        Returns the number of messages queued. Safe to run in several places at once: a
        schedule slot starts one scan (a unique run row), and re-sent work is claimed once.
        """
        sent = len(fire_due(self.coord.engine, newest_slot))
        for scan_id, status in self.coord.stalled(self.dist.stall_s):
            sent += self.coord.resend_stalled(scan_id, status, self.dist.batch_size)
            logger.warning("scan %s stalled in %s: its work was sent again", scan_id, status)
        return sent

    def relay(self, publish: Publish) -> int:
        """Publish the outbox; returns how many messages went out."""
        return self.coord.relay(publish)

    # -- helpers --------------------------------------------------------------------------

    def frontier(self, spec: ScanSpec, document: dict[str, Any]) -> Frontier:
        """A frontier for `spec` with the robots verdict, traps and blocked URLs of `document`."""
        frontier = Frontier(
            scope=Scope.of(spec),
            max_pages=spec.max_pages,
            max_depth=spec.max_depth,
            allowed_by_robots=robots_allowed(document.get("robots"), spec),
            follow_nofollow=spec.follow_nofollow,
            track_depths=True,
            count_left_out=False,  # counted once across processes (`_count_left_out`)
        )
        frontier.robots_blocked.update(document.get("robots_blocked", ()))
        traps: list[Trap] = frontier_traps(document)
        frontier.traps.update({(trap.kind, trap.pattern): trap for trap in traps})
        return frontier

    def _http(self, spec: ScanSpec) -> HttpFetcher:
        """This process's fetcher for `spec`'s scan (one that verifies TLS, and one that does
        not for scans asked not to); its per-host limits and breaker are the fleet's when
        there is a Redis to share them through."""
        verify = spec.verify_tls
        if verify not in self._fetchers:
            url = events_url(self.settings)
            if url is None:
                self._fetchers[verify] = make_fetcher(self.settings, verify_tls=verify)
            else:
                client = redis.Redis.from_url(url)
                self._fetchers[verify] = self._shared_fetcher(client, verify)
        fetcher = self._fetchers[verify]
        # A worker process runs one task at a time: its requests are spaced as that task's
        # scan asks (`--delay`), fleet-wide through Redis when there is one.
        fetcher.space(spec.delay_s)
        return fetcher

    def _shared_fetcher(self, client: redis.Redis, verify_tls: bool) -> HttpFetcher:
        config = fetch_config(self.settings)
        slots = SharedHostSlots(
            client,
            total=config.concurrency,
            per_host=config.per_host_concurrency,
            # A killed worker's slot comes back once its request could no longer run: a
            # slot is held for one attempt (`HttpFetcher._attempt`), which its deadline
            # ends; a retry waits for a slot again. (It was held for all the attempts'
            # worth, 100 s by default, during which a dead node's slots blocked the host.)
            token_ttl_s=config.total_timeout + TOKEN_MARGIN_S,
            min_interval_s=self.dist.host_min_interval_s,
        )
        breaker = SharedBreaker(
            client,
            config.circuit_breaker_threshold,
            config.circuit_breaker_reset,
            refusal_window=config.refusal_window,
        )
        return make_fetcher(self.settings, breaker=breaker, slots=slots, verify_tls=verify_tls)

    async def _fetch_all(
        self,
        scan_id: int,
        spec: ScanSpec,
        claimed: list[Claimed],
        found: _Found,
        *,
        robots: HostRobots | None,
    ) -> None:
        fetcher = self._http(spec)
        slots = asyncio.Semaphore(max(1, spec.concurrency))

        async def one(item: Claimed) -> None:
            async with slots:
                if self._cancelled(scan_id):
                    return  # no request starts once the scan is cancelled
                try:
                    if robots is not None:  # queued maybe before its host's robots.txt was read
                        await robots.learn(item.url)
                        if not robots.allowed(item.url):
                            found.blocked.append(item)
                            return
                    found.fetched.append((item.id, await fetch(fetcher, item.url)))
                except SlotWaitExpiredError:
                    found.waited.append(item)
                except BodyDeferredError:
                    found.deferred.append(item)
                except SendingStoppedError:
                    return  # cancelled while it waited for its turn: not sent

        deadline = time.monotonic() + self.dist.soft_time_limit_s * SLOT_WAIT_SHARE
        # The tasks below take their context from here: a slot deadline, no request sent
        # once the scan is cancelled (even one that was waiting for its host's turn), and
        # a share of large bodies that refuses the others rather than wait: the bodies
        # read are held until the whole batch is, so a permit would never come free.
        gate = BodyGate(LARGE_BODIES_PER_TASK, wait=False)
        with (
            slot_deadline(deadline),
            stop_sending_when(lambda: self._stopped(scan_id)),
            gate_large_bodies(gate),
        ):
            tasks = [asyncio.ensure_future(one(item)) for item in claimed]
        try:
            await asyncio.gather(*tasks)
        finally:  # the soft time limit interrupts the loop: leave no fetch behind
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _host_robots(
        self, scan_id: int, spec: ScanSpec, document: dict[str, Any]
    ) -> HostRobots | None:
        """The scan's robots.txt per host, with the subdomains option (None without)."""
        start = document.get("robots")
        if not (spec.subdomains and spec.respect_robots and start):
            return None
        return _kept(self._robots, scan_id, lambda: HostRobots(self._http(spec), spec, start))

    def _resource_checks(
        self, scan_id: int, spec: ScanSpec, document: dict[str, Any]
    ) -> ResourceChecks | None:
        """How `analyze` checks the site's own subresources: with this process's fetcher
        (the fleet's per-host limits, the site's Crawl-delay) and the scan's robots.txt."""
        if not spec.check_resources:
            return None
        http = self._http(spec)
        apply_crawl_delay(http, document.get("robots"), spec)
        return ResourceChecks(
            check=http.check,
            allowed=robots_verdict(
                robots_allowed(document.get("robots"), spec),
                self._host_robots(scan_id, spec, document),
            ),
            is_own=Scope.of(spec).is_internal,
            limit=self.settings.crawl.resources_max,
            concurrency=spec.concurrency,
        )

    async def _unless_cancelled(self, scan_id: int, step: Awaitable[T]) -> T | None:
        """`step`'s result, or None when the user cancels the scan first: the flag is read
        every `CANCEL_CHECK_S`, and no request of the step starts after that."""
        cancelled = asyncio.Event()

        async def watch() -> None:
            while not self._stopped(scan_id):
                await asyncio.sleep(CANCEL_CHECK_S)
            cancelled.set()

        watcher = asyncio.ensure_future(watch())
        try:
            return await unless_stopped(step, cancelled)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    def _heartbeat(
        self, scan_id: int, progress: CheckProgress | None = None
    ) -> AbstractContextManager[None]:
        """Keep the scan marked as progressing while a step runs long with nothing to
        commit (`discover`, `analyze`), or the reconciler would send the step again to
        another worker after `stall_s`; with `progress`, publish its counts too."""

        def alive() -> None:
            self.coord.touch(scan_id)
            if progress is not None and progress.total:
                self.events.publish(
                    scan_id, "checking", checked=progress.checked, total=progress.total
                )

        return heartbeat(self.dist.stall_s, alive, f"scan-{scan_id}-heartbeat")

    def _stopped(self, scan_id: int) -> bool:
        """`_cancelled` for a step that waits on the site: False when the flag cannot be
        read (the database restarting; logged, read again `CANCEL_CHECK_S` later), since an
        error would fail the page being fetched or the whole `discover` or `analyze`."""
        try:
            return self._cancelled(scan_id)
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as exc:
            self._cancel_seen[scan_id] = (time.monotonic(), False)
            logger.warning("scan %s: the cancel flag could not be read: %s", scan_id, exc)
            return False

    def _cancelled(self, scan_id: int) -> bool:
        now = time.monotonic()
        checked = self._cancel_seen.get(scan_id)
        if checked is None or now - checked[0] > CANCEL_CHECK_S:
            checked = (now, self.coord.control(scan_id).stopped)
            self._cancel_seen[scan_id] = checked
        return checked[1]

    def _analyzer(self, scan_id: int, spec: ScanSpec) -> tuple[Scope, PageAnalyzer]:
        return _kept(
            self._analyzers,
            scan_id,
            lambda: (Scope.of(spec), PageAnalyzer(self.catalogue.page_checks, spec.start_url)),
        )

    def _result(
        self, scan_id: int, spec: ScanSpec, claimed: Claimed, fetched: FetchedPage
    ) -> PageResult:
        scope, analyzer = self._analyzer(scan_id, spec)
        page = to_page(
            fetched,
            depth=claimed.depth,
            is_internal=scope.is_internal,
            max_links=self.settings.crawl.max_links_per_page,
            clean=scope.clean,
        )
        analysis = analyzer.analyze(page)
        return PageResult(
            page=page,
            findings=analysis.findings,
            not_applicable=analysis.not_applicable,
            check_errors=analysis.errors,
            found_via=claimed.found_via,
        )

    def _extract(
        self, scan_id: int, spec: ScanSpec, claimed: Claimed, fetched: FetchedPage
    ) -> Completed:
        result = self._result(scan_id, spec, claimed, fetched)
        page = result.page
        links = [
            LinkRecord(page.url, link.url, link.text, link.rel, link.internal, link.position)
            for link in page.links
        ]
        offered = candidates(page, claimed.depth, follow_nofollow=spec.follow_nofollow)
        answer = redirect_answer(fetched)
        if (
            answer is not None
            and spec.subdomains
            and origin_of(answer.url) != origin_of(spec.start_url)
        ):
            answer = None  # another origin's robots.txt is read when its pages are fetched
        return Completed(claimed.id, result, links, offered, answer)

    def _fail(
        self,
        scan_id: int,
        step: str,
        claimed: Claimed,
        *,
        code: str,
        message: str,
        spec: ScanSpec,
    ) -> None:
        failed = FetchedPage(
            url=claimed.url,
            final_url=claimed.url,
            status=None,
            error_code=code,
            error_message=message,
        )
        result = self._result(scan_id, spec, claimed, failed)
        self.coord.fail(scan_id, step, claimed, result, f"{code}: {message}")
        self.events.publish(scan_id, "page-failed", url=claimed.url, step=step, error=code)

    def _claim(self, step: str, scan_id: int, ids: list[int], owner: str, spec: ScanSpec) -> Claim:
        """Lease the batch's pages for `step`; pages past their attempts fail here."""
        claim = self.coord.claim(
            step,
            scan_id,
            ids,
            owner,
            lease_s=self.dist.lease_s,
            max_attempts=self.dist.max_attempts,
        )
        self._fail_exhausted(scan_id, step, claim.exhausted, spec)
        return claim

    def _fail_exhausted(
        self, scan_id: int, step: str, exhausted: list[Claimed], spec: ScanSpec
    ) -> None:
        for claimed in exhausted:
            message = (
                f"the worker stopped {claimed.attempts} times while processing this page "
                f"({step} step): killed, out of memory or past the "
                f"{self.dist.hard_time_limit_s} s hard time limit"
            )
            self._fail(scan_id, step, claimed, code=WORKER_LOST, message=message, spec=spec)

    def _overran(
        self,
        scan_id: int,
        step: str,
        *,
        ids: list[int],
        mine: list[Claimed],
        done: set[int],
        owner: str,
        spec: ScanSpec,
    ) -> None:
        """The soft time limit hit: a batch sends its rest page by page; a lone page fails."""
        rest = [claimed for claimed in mine if claimed.id not in done]
        if len(ids) > 1:
            self.coord.release(step, [claimed.id for claimed in rest], owner, scan_id)
            return
        message = f"processing took longer than the {self.dist.soft_time_limit_s} s time limit"
        for claimed in rest:
            self._fail(scan_id, step, claimed, code=TIME_LIMIT, message=message, spec=spec)


@dataclass(frozen=True, slots=True)
class _Found:
    """What one fetch task's pages came to: fetched, blocked by robots.txt, waited too long
    for a slot at their host (not requested), or large past the task's share (not read)."""

    fetched: list[tuple[int, FetchedPage]] = field(default_factory=list)
    blocked: list[Claimed] = field(default_factory=list)
    waited: list[Claimed] = field(default_factory=list)  # not requested
    deferred: list[Claimed] = field(default_factory=list)  # body not read


def _kept(cache: dict[int, T], scan_id: int, make: Callable[[], T]) -> T:
    """The scan's entry of a per-process `cache`, made on first use; the oldest entry goes
    once ANALYZERS_KEPT scans have one (a worker serves scans one after another)."""
    entry = cache.get(scan_id)
    if entry is None:
        if len(cache) >= ANALYZERS_KEPT:
            cache.pop(next(iter(cache)))
        entry = cache[scan_id] = make()
    return entry
