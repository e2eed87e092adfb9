"""Where the CPU-bound part of a page runs: extraction and page checks.

`InlineProcessor` runs them on the event loop's thread. `PoolProcessor` runs them in worker
processes so that parsing and checks use every core while the event loop keeps fetching;
each worker builds its own catalogue and analyser once (from the picklable `CheckConfig`),
and receives only the fetched response and its depth.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from siteaudit.checks.catalogue import Catalogue, CheckConfig, load_catalogue
from siteaudit.model import FetchedPage, Page
from siteaudit.pipeline.analysis import PageAnalysis, PageAnalyzer
from siteaudit.pipeline.fetching import to_page
from siteaudit.pipeline.urls import Scope

logger = logging.getLogger(__name__)


class PageProcessor(Protocol):
    """Turns a fetched response into its `Page` and the page checks' verdicts."""

    async def process(self, fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
        """Extract and analyse one page."""
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


class _Worker:
    """Extraction and analysis for one scan, built once per process (or inline)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self.scope = Scope.from_spec(job.start_url, job.include, job.exclude)
        self.max_links = job.max_links
        self.analyzer = PageAnalyzer(catalogue.page_checks, job.start_url)

    def process(self, fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
        page = to_page(
            fetched, depth=depth, is_internal=self.scope.is_internal, max_links=self.max_links
        )
        return page, self.analyzer.analyze(page)


class InlineProcessor:
    """Processes pages on the calling thread, with any catalogue (plugins, test checks)."""

    def __init__(self, job: PageJob, catalogue: Catalogue) -> None:
        self._worker = _Worker(job, catalogue)

    async def process(self, fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
        """Extract and analyse one page now."""
        return self._worker.process(fetched, depth)

    def close(self) -> None:
        """Nothing to release."""


# The worker process's own state: set once by `_init_worker`, read by `_process_in_worker`.
_WORKER: _Worker | None = None


def _init_worker(job: PageJob) -> None:
    global _WORKER  # noqa: PLW0603 - per-process state of a pool worker, set once
    # Ctrl-C reaches the whole process group; the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = _Worker(job, load_catalogue().configure(job.checks))


def _ready() -> None:
    assert _WORKER is not None, "worker used before its initializer ran"


async def _all(calls: list[asyncio.Future[None]]) -> None:
    await asyncio.gather(*calls)


def _process_in_worker(fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
    assert _WORKER is not None, "worker used before its initializer ran"
    return _WORKER.process(fetched, depth)


class AdaptiveProcessor:
    """Inline at first; worker processes once the scan passes `inline_pages` pages.

    At that point the pool starts in the background (its workers import and build their
    catalogue on the other cores) and pages keep running inline until it is ready. A small
    scan never pays for processes; a large one loses no time waiting for them.
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

    async def process(self, fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
        """Extract and analyse one page, inline or in a worker process."""
        if self._left > 0:
            self._left -= 1
        elif self._pool is None and self._warm is None:
            self._pool = PoolProcessor(self._job, self._processes)
            self._warm = self._pool.warm_up()
        if self._pool is not None and self._warm is not None and self._warm.done():
            if not self._broken():
                return await self._pool.process(fetched, depth)
            logger.warning(
                "worker processes could not start (%s); pages run in this process",
                self._warm.exception(),
            )
            self._pool.close()
            self._pool = None  # and _warm stays set: never try again in this scan
        return await self._inline.process(fetched, depth)

    def _broken(self) -> bool:
        assert self._warm is not None
        return self._warm.cancelled() or self._warm.exception() is not None

    def close(self) -> None:
        """Stop the workers, if they were started."""
        if self._pool is not None:
            self._pool.close()


class PoolProcessor:
    """Processes pages in `processes` worker processes."""

    def __init__(self, job: PageJob, processes: int) -> None:
        # forkserver, not fork: the event loop's process has threads (DNS, the store's
        # writer) whose locks a forked child could inherit held.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._processes = processes
        self._pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=context, initializer=_init_worker, initargs=(job,)
        )

    async def process(self, fetched: FetchedPage, depth: int) -> tuple[Page, PageAnalysis]:
        """Extract and analyse one page in a worker process."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _process_in_worker, fetched, depth)

    def warm_up(self) -> asyncio.Future[None]:
        """Start every worker now; the future is done when they all answered."""
        loop = asyncio.get_running_loop()
        calls = [loop.run_in_executor(self._pool, _ready) for _ in range(self._processes)]
        return asyncio.ensure_future(_all(calls))

    def close(self) -> None:
        """Stop the workers; queued pages are dropped (the scan is over or cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
