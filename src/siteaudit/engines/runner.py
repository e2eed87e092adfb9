"""Wiring for the embedded mode: settings in, a finished scan and its report out.

The CLI calls `run_scan`; it builds the store, the catalogue and the fetcher from settings,
runs the `LocalEngine` under asyncio with Ctrl-C mapped to cooperative cancellation (a
second one stops at once, `user_stops`), and returns the stored report.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from types import FrameType

from siteaudit.checks.catalogue import Catalogue, CatalogueError, CheckConfig, load_catalogue
from siteaudit.crawl.bodies import LARGE_BODIES
from siteaudit.crawl.breaker import Breaker
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.slots import Slots
from siteaudit.crawl.ssrf import AddressPolicy
from siteaudit.engines.claims import claim
from siteaudit.engines.external_links import ExternalLimits, ExternalStep
from siteaudit.engines.local import LocalEngine
from siteaudit.engines.preflight import preflight
from siteaudit.engines.processing import (
    AdaptiveProcessor,
    InlineProcessor,
    PageJob,
    PageProcessor,
    RowTarget,
)
from siteaudit.errors import ConfigError, ScanInputError, ScanStoppedError
from siteaudit.model import ScanSpec, ScanStatus
from siteaudit.model.events import Progress
from siteaudit.model.report import ScanReport
from siteaudit.pipeline.ports import ScanStore
from siteaudit.pipeline.reporting import with_check_infos
from siteaudit.pipeline.urls import InvalidURLError, Scope, host_of, start_url
from siteaudit.settings import Settings
from siteaudit.storage.database import open_store, shared_database_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """The stored scan's final status and its complete report."""

    scan_id: int
    status: ScanStatus
    report: ScanReport


def check_config(settings: Settings) -> CheckConfig:
    """The project's `[checks]` configuration."""
    return CheckConfig(
        disabled=frozenset(settings.checks.disabled),
        severities=dict(settings.checks.severity),
        options=settings.checks.options,
    )


def build_catalogue(settings: Settings) -> Catalogue:
    """The catalogue with the project's `[checks]` configuration applied."""
    try:
        return load_catalogue().configure(check_config(settings))
    except CatalogueError as exc:
        raise ConfigError(str(exc)) from exc


def make_spec(
    settings: Settings, url: str, include: tuple[str, ...], exclude: tuple[str, ...]
) -> ScanSpec:
    """Validate the user's URL and patterns into a ScanSpec (ScanInputError when unusable)."""
    crawl = settings.crawl
    try:
        start = start_url(url)
        scope = Scope.from_spec(
            start, include, exclude, crawl.subdomains, tuple(crawl.strip_params)
        )
    except InvalidURLError as exc:
        raise ScanInputError(str(exc)) from exc
    return ScanSpec(
        start_url=scope.clean(start),
        max_pages=crawl.max_pages,
        max_depth=crawl.max_depth,
        concurrency=crawl.concurrency,
        per_host_concurrency=crawl.per_host_concurrency,
        include=tuple(include),
        exclude=tuple(exclude),
        user_agent=crawl.user_agent,
        respect_robots=crawl.respect_robots,
        use_sitemaps=crawl.use_sitemaps,
        check_external=crawl.check_external,
        check_resources=crawl.check_resources,
        follow_nofollow=crawl.follow_nofollow,
        subdomains=crawl.subdomains,
        strip_params=scope.strip_params,
        verify_tls=crawl.verify_tls,
        delay_s=crawl.delay_s,
    )


def make_fetcher(
    settings: Settings,
    *,
    breaker: Breaker | None = None,
    slots: Slots | None = None,
    headers_host: str | None = None,
    verify_tls: bool | None = None,
) -> HttpFetcher:
    """The HTTP fetcher configured from settings (CLI policy: private targets allowed).

    `breaker` and `slots` replace its in-process circuit breaker and per-host slots;
    `crawl.headers` are sent to `headers_host` only; `verify_tls` overrides the setting.
    A scan's delay between requests is set on the fetcher (`HttpFetcher.space`).
    """
    config = fetch_config(settings, headers_host)
    if verify_tls is not None:
        config = replace(config, verify_tls=verify_tls)
    return HttpFetcher(config, address_policy(settings), breaker=breaker, slots=slots)


def address_policy(settings: Settings) -> AddressPolicy:
    """Where fetches may connect: the CLI's policy, unless the operator allowed public
    addresses only (`crawl.allow_private = false`, the service's)."""
    return AddressPolicy.cli() if settings.crawl.allow_private else AddressPolicy.service()


# External links: requests at a time to one host, and retries of a transient failure.
EXTERNAL_PER_HOST_CONCURRENCY = 2
EXTERNAL_RETRIES = 1


def external_step(settings: Settings) -> ExternalStep:
    """How a scan checks its links to other hosts (`engines/external_links.py`): a fetcher
    of its own, politer than the crawl's, under the same address policy."""
    crawl = settings.crawl
    config = replace(
        fetch_config(settings),
        per_host_concurrency=EXTERNAL_PER_HOST_CONCURRENCY,
        retries=EXTERNAL_RETRIES,
        verify_tls=True,  # `verify_tls = false` is for the audited site, not the others
    )
    policy = address_policy(settings)
    return ExternalStep(
        make_fetcher=lambda: HttpFetcher(config, policy),
        limits=ExternalLimits(per_host=crawl.external_per_host, total=crawl.external_max),
        concurrency=crawl.concurrency,
    )


def fetch_config(settings: Settings, headers_host: str | None = None) -> FetchConfig:
    """The fetcher's limits and manners from settings; `crawl.headers` go to `headers_host`
    only (the scanned site's), and nowhere without it."""
    crawl = settings.crawl
    return FetchConfig(
        user_agent=crawl.user_agent,
        extra_headers=tuple(crawl.headers.items()),
        headers_host=headers_host,
        concurrency=crawl.concurrency,
        per_host_concurrency=crawl.per_host_concurrency,
        connect_timeout=crawl.connect_timeout_s,
        read_timeout=crawl.read_timeout_s,
        total_timeout=crawl.total_timeout_s,
        max_body_bytes=crawl.max_body_bytes,
        max_redirects=crawl.max_redirects,
        retries=crawl.retries,
        refusal_window=crawl.refusal_window_s,
        hosts=tuple(crawl.hosts.items()),
        verify_tls=crawl.verify_tls,
        ca_bundle=None if crawl.ca_bundle is None else str(crawl.ca_bundle),
    )


# Pages processed inline before worker processes start: a small scan never pays for them.
POOL_AFTER_PAGES = 10


def _processor_factory(
    settings: Settings, catalogue: Catalogue, store: ScanStore
) -> Callable[[ScanSpec, int], PageProcessor]:
    """Inline processing, or worker processes once the scan proves large (`processes`).

    Default: as many workers as cores, at least two, forked after 10 pages. Measured on
    2 cores (bench/crawl.py corpus sites) when they were first introduced: two workers cut
    the Python docs from 10.5 s to 7.4 s and the PostgreSQL manual from 7.6 s to 6.5 s, the
    event loop keeping one core for fetching and writing. When the store is a database
    other processes can open, the workers write their pages' rows themselves (see
    docs/architecture.md, "Workers store their own rows").
    """
    crawl = settings.crawl
    wanted = page_processes(settings)
    config = check_config(settings)

    def make(spec: ScanSpec, scan_id: int) -> PageProcessor:
        job = PageJob.for_scan(spec, crawl.max_links_per_page, config, crawl.page_time_limit_s)
        if wanted == 0 or load_catalogue().configure(config).checks != catalogue.checks:
            # Checks the workers could not rebuild from configuration run inline.
            return InlineProcessor(job, catalogue)
        url = shared_database_url(store)
        rows_to = RowTarget(url, scan_id) if url is not None else None
        return AdaptiveProcessor(job, catalogue, wanted, POOL_AFTER_PAGES, rows_to)

    return make


def page_processes(settings: Settings) -> int:
    """Worker processes for pages: `crawl.processes`, else one per core and at least two."""
    wanted = settings.crawl.processes
    return max(2, os.cpu_count() or 1) if wanted is None else wanted


def may_fork(settings: Settings, store: ScanStore) -> bool:
    """True when the end of a scan may fork helper processes (site checks, a report): extra
    processes are allowed and the database is one a child can open too (not in memory)."""
    allowed = settings.crawl.processes is None or settings.crawl.processes > 1
    return allowed and shared_database_url(store) is not None and hasattr(os, "fork")


CrawledHook = Callable[[ScanStore, int], None]


def run_scan(
    settings: Settings,
    spec: ScanSpec,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    store: ScanStore | None = None,
    on_crawled: CrawledHook | None = None,
    on_stop: Callable[[], None] | None = None,
) -> ScanOutcome:
    """Create a scan for `spec`, run it to a terminal state and return its report.

    `on_crawled(store, scan_id)` is called once the crawl has stored every page and before
    the site checks, when the scan may fork helpers (`may_fork`): the CLI starts writing
    the findings CSV then. `on_stop()` is called at the first Ctrl-C (`user_stops`), from
    the signal handler: the CLI says what happens next.
    """
    store = store or open_store(settings.database_url)
    scan_id = store.create_scan(spec)
    return _execute(
        settings, store, scan_id, on_progress, resume=False, on_crawled=on_crawled, on_stop=on_stop
    )


def resume_scan(
    settings: Settings,
    scan_id: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    store: ScanStore | None = None,
    on_crawled: CrawledHook | None = None,
    on_stop: Callable[[], None] | None = None,
) -> ScanOutcome:
    """Continue an interrupted scan without refetching the pages it already stored."""
    store = store or open_store(settings.database_url)
    try:
        status = store.get_status(scan_id)
    except LookupError as exc:
        raise ScanInputError(f"there is no scan {scan_id} in {settings.database_url}") from exc
    if status in (ScanStatus.COMPLETED, ScanStatus.COMPLETED_WITH_ERRORS):
        raise ScanInputError(f"scan {scan_id} is already {status.value}; nothing to resume")
    return _execute(
        settings, store, scan_id, on_progress, resume=True, on_crawled=on_crawled, on_stop=on_stop
    )


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the garbage collector off every object that exists before the scan, while it runs.

    Modules, settings and the catalogue outlive the scan, yet each full collection walked
    them all again: half of the collector's 0.45 s on the PostgreSQL manual. Unfrozen at
    the end, so a process running many scans collects what becomes garbage as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _execute(
    settings: Settings,
    store: ScanStore,
    scan_id: int,
    on_progress: Callable[[Progress], None] | None,
    *,
    resume: bool,
    on_crawled: CrawledHook | None = None,
    on_stop: Callable[[], None] | None = None,
) -> ScanOutcome:
    catalogue = build_catalogue(settings)
    claim(store, scan_id)  # refused while another process runs the scan
    forking = may_fork(settings, store)
    crawled = (lambda done: on_crawled(store, done)) if on_crawled and forking else None
    with frozen_heap():
        try:
            status = asyncio.run(
                _run(
                    settings,
                    store,
                    catalogue,
                    scan_id,
                    on_progress,
                    resume=resume,
                    forking=forking,
                    on_crawled=crawled,
                    on_stop=on_stop,
                )
            )
        except KeyboardInterrupt:  # stopped at once (`user_stops`)
            raise _stopped(store, scan_id) from None
    report = with_check_infos(store.load_report(scan_id), catalogue)
    return ScanOutcome(scan_id=scan_id, status=status, report=report)


async def _run(
    settings: Settings,
    store: ScanStore,
    catalogue: Catalogue,
    scan_id: int,
    on_progress: Callable[[Progress], None] | None,
    *,
    resume: bool,
    forking: bool,
    on_crawled: Callable[[int], None] | None,
    on_stop: Callable[[], None] | None,
) -> ScanStatus:
    # The operator's headers go to the scanned site only (settings.crawl.headers); TLS and
    # the delay between requests are as the scan was asked (a resumed one's too).
    spec = store.get_spec(scan_id)
    fetcher = make_fetcher(
        settings,
        # The host the user named, even when the start URL led elsewhere on the site.
        headers_host=host_of(spec.requested_url or spec.start_url),
        verify_tls=spec.verify_tls,
    )
    fetcher.space(spec.delay_s)
    engine = LocalEngine(
        store,
        catalogue,
        fetcher,
        preflight=preflight,
        processor=_processor_factory(settings, catalogue, store),
        max_links_per_page=settings.crawl.max_links_per_page,
        on_progress=on_progress,
        fork_site_checks=forking,
        on_crawled=on_crawled,
        external=external_step(settings),
        resources_max=settings.crawl.resources_max,
        checks_time_limit_s=settings.crawl.checks_time_limit_s,
        # Two a worker process: the page it is on and the next one, ready.
        large_bodies=max(LARGE_BODIES, 2 * page_processes(settings)),
    )
    try:
        with user_stops(asyncio.get_running_loop(), engine.cancel, on_stop):
            return await engine.run(scan_id, resume=resume)
    finally:
        await fetcher.close()


@contextlib.contextmanager
def user_stops(
    loop: asyncio.AbstractEventLoop,
    cancel: Callable[[], None],
    on_stop: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM while the scan runs: the first calls `on_stop` and
    `cancel`s the scan (the pages under way are finished and stored); the next raises
    KeyboardInterrupt wherever the process is, which `_execute` turns into a scan stored as
    cancelled.

    Python-level handlers, not the loop's (`add_signal_handler`): those run only once the
    loop gets back to its selector, so a second Ctrl-C went unheard while the scan waited
    off the loop for its worker processes to store their rows (up to a minute when the
    database is slow). Nothing here outside the main thread (an embedding service's).
    """
    stops = 0

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stops
        stops += 1
        if stops > 1:
            raise KeyboardInterrupt
        if on_stop is not None:
            on_stop()
        loop.call_soon_threadsafe(cancel)  # on the loop, whatever this interrupted

    signals = (signal.SIGINT, signal.SIGTERM)
    try:
        previous = [signal.signal(number, on_signal) for number in signals]
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for number, handler in zip(signals, previous, strict=True):
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _stopped(store: ScanStore, scan_id: int) -> ScanStoppedError:
    """Store a scan the user stopped at once as cancelled; the error that tells them."""
    message = (
        f"scan {scan_id} stopped at once: the pages it had stored are kept, those under way"
        f" are not; `siteaudit scan --resume {scan_id}` continues it"
    )
    try:
        store.set_status(scan_id, ScanStatus.CANCELLED, error="stopped at once by the user")
    except Exception:  # the database the stop interrupted: the scan stays resumable
        logger.warning("could not store scan %s as cancelled", scan_id, exc_info=True)
    return ScanStoppedError(message, scan_id=scan_id)
