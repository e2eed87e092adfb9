"""External links: once the crawl ends, each distinct URL on another host that a crawled
page links to is checked (never crawled), and the ones that fail reach the site checks.

A check is a HEAD request, then a GET when HEAD gets an error status (`HttpFetcher.check`),
redirects followed hop by hop and every address vetted like any fetch. The checker has its
own fetcher: two requests at a time per host, one retry, its own circuit breaker (a dead
host costs a few attempts, then its remaining links are reported unreachable without more
requests). Caps bound the work a site can cause: `per_host` URLs per host and `total` per
scan, chosen in URL order and checked one host after another in turn; the URLs past a cap
are counted, not checked. A machine without network access is told apart from dead links
(`ExternalResults.offline_hosts`), and checking stops early when it shows.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from itertools import zip_longest

from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.engines.stopping import unless_stopped
from siteaudit.model.page import FetchedPage
from siteaudit.model.refusals import REFUSING_STATUSES, is_challenge
from siteaudit.model.site import BrokenExternal, announced_size
from siteaudit.pipeline.ports import ScanStore
from siteaudit.pipeline.urls import host_of

CheckFunction = Callable[[str], Awaitable[FetchedPage]]

EXTERNAL_COUNTERS = "external/"  # the prefix of every counter these checks keep
# Failures that say nothing about the link: this scan was not allowed to try it.
NOT_CHECKED = frozenset({ErrorCode.SSRF_BLOCKED.value, ErrorCode.INVALID_URL.value})
# Failures of the way out rather than of a site: when every host tried failed so, and there
# were at least OFFLINE_HOSTS of them, the machine has no network (a closed one, an
# unplugged laptop), which says nothing about the links.
NO_WAY_OUT = frozenset(
    code.value
    for code in (
        ErrorCode.DNS_FAILED,
        ErrorCode.CONNECT_FAILED,
        ErrorCode.TIMEOUT,
        ErrorCode.CIRCUIT_OPEN,
    )
)
OFFLINE_HOSTS = 3
# Checking stops once this many hosts failed so with none answering: the rest would only
# wait on the same missing network (a closed one made 1,210 checks take 19 s).
OFFLINE_PROBE_HOSTS = 8


@dataclass(frozen=True, slots=True)
class ExternalLimits:
    """How many distinct external URLs one scan checks: per host, and in all."""

    per_host: int = 100
    total: int = 5_000


@dataclass(frozen=True, slots=True)
class Answer:
    """How one URL answered: a status, or why there was none; `size` is the body's length
    its successful answer announced (Content-Length), when it did; `challenged` that the
    answer was marked as bot protection's challenge (`model.refusals.is_challenge`)."""

    status: int | None
    error_code: str | None
    size: int | None = None
    challenged: bool = False

    @property
    def refused(self) -> bool:
        """True when the host turned the check away instead of answering for the URL (999,
        429 after every retry, or an error status marked as a challenge): it says nothing
        of whether a visitor reaches the page."""
        if self.status is None or self.status < 400:
            return False
        return self.status in REFUSING_STATUSES or self.challenged

    @property
    def broken(self) -> bool:
        """True for an error status that is not a refusal, or no answer for a reason other
        than our own policy."""
        if self.status is not None:
            return self.status >= 400 and not self.refused
        return self.error_code not in NOT_CHECKED


@dataclass(slots=True)
class CheckProgress:
    """How far the checks after the crawl are, for progress displays: `checked` URLs
    answered of `total` to ask (which grows as each kind of check starts)."""

    total: int = 0
    checked: int = 0


@dataclass(slots=True)
class ExternalResults:
    """The answers of the URLs checked, and the counters of the whole step."""

    answers: dict[str, Answer] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)

    def broken(self) -> dict[str, Answer]:
        """The URLs that failed, with their answers."""
        return {url: answer for url, answer in self.answers.items() if answer.broken}

    def refused(self) -> dict[str, Answer]:
        """The URLs whose host turned the check away (`Answer.refused`), with their answers."""
        return {url: answer for url, answer in self.answers.items() if answer.refused}

    def offline_hosts(self) -> int:
        """How many hosts were tried, when none answered and each failed as a machine
        without network access would (`NO_WAY_OUT`) and there were `OFFLINE_HOSTS` or more;
        0 otherwise (the links' own failures then)."""
        tried = {
            host_of(url): answer
            for url, answer in self.answers.items()
            if answer.error_code not in NOT_CHECKED
        }
        if len(tried) < OFFLINE_HOSTS:
            return 0
        if all(a.status is None and a.error_code in NO_WAY_OUT for a in tried.values()):
            return len(tried)
        return 0


def select_targets(
    urls: Iterable[str], limits: ExternalLimits, counters: Counter[str]
) -> list[str]:
    """The URLs to check among `urls` (distinct, in order), within the caps, one host after
    another in turn; the others are counted under `external/skipped/*`."""
    by_host: dict[str, list[str]] = {}
    chosen = 0
    for url in urls:
        if chosen >= limits.total:  # before noting the host: at most `total` hosts kept
            counters["external/skipped/scan-cap"] += 1
            continue
        mine = by_host.setdefault(host_of(url), [])
        if len(mine) >= limits.per_host:
            counters["external/skipped/host-cap"] += 1
        else:
            mine.append(url)
            chosen += 1
    # One URL of each host in turn: no host gets a burst, and a missing network shows after
    # a few hosts rather than after the first host's every URL.
    turns = zip_longest(*by_host.values())
    return [url for turn in turns for url in turn if url is not None]


class Checker:
    """Checks URLs with `check(url) -> FetchedPage` (an `HttpFetcher`'s), at most
    `concurrency` at a time, stopping early when `cancelled` is set; its counters are named
    under `counters` (`external/` for links to other sites)."""

    def __init__(
        self, check: CheckFunction, concurrency: int, counters: str = EXTERNAL_COUNTERS
    ) -> None:
        self._check = check
        self._concurrency = concurrency
        self._prefix = counters

    async def run(
        self,
        urls: list[str],
        cancelled: asyncio.Event,
        deadline: float | None = None,
        progress: CheckProgress | None = None,
    ) -> ExternalResults:
        """Check `urls`; none is started once `cancelled` is set or, with a `deadline`
        (`time.monotonic()`), once it has passed. Each answer counts in `progress`."""
        results = ExternalResults()
        if progress is None:
            progress = CheckProgress()
        progress.total += len(urls)
        queue = iter(urls)
        answered = False  # by any host: the network works
        failed_hosts: set[str] = set()  # hosts that failed as without a network

        def late() -> bool:
            return deadline is not None and time.monotonic() >= deadline

        async def work() -> None:
            nonlocal answered
            for url in queue:  # one shared iterator: each URL goes to one worker
                if (
                    cancelled.is_set()
                    or late()
                    or (not answered and len(failed_hosts) >= OFFLINE_PROBE_HOSTS)
                ):
                    return
                answer = results.answers[url] = _answer(await self._check(url))
                progress.checked += 1
                if answer.status is not None:
                    answered = True
                elif answer.error_code in NO_WAY_OUT:
                    failed_hosts.add(host_of(url))

        # Cancelling ends the checks under way too: those waiting for the host's turn (a
        # Crawl-delay paces them) would otherwise still be sent, one by one.
        workers = (work() for _ in range(min(self._concurrency, len(urls))))
        await unless_stopped(asyncio.gather(*workers), cancelled)
        counters, prefix = results.counters, self._prefix
        if len(results.answers) < len(urls):
            why = "cancelled" if cancelled.is_set() else "time-limit" if late() else "offline"
            counters[f"{prefix}skipped/{why}"] = len(urls) - len(results.answers)
        for answer in results.answers.values():
            if answer.error_code in NOT_CHECKED:
                counters[f"{prefix}not-checked/{answer.error_code}"] += 1
            else:
                counters[f"{prefix}checked"] += 1
                counters[f"{prefix}broken"] += answer.broken
                if answer.refused:  # only then: most scans have none
                    counters[f"{prefix}refused"] += 1
        return results


def _answer(fetched: FetchedPage) -> Answer:
    size = announced_size(fetched.status, fetched.header("content-length"))
    challenged = is_challenge(fetched.status, fetched.header)
    return Answer(fetched.status, fetched.error_code, size, challenged)


@dataclass(frozen=True, slots=True)
class ExternalStep:
    """The whole step as a scan runs it: pick the URLs, check them with a fetcher of their
    own (`make_fetcher`), close it."""

    make_fetcher: Callable[[], HttpFetcher]
    limits: ExternalLimits
    concurrency: int

    async def run(
        self,
        targets: Iterable[str],
        cancelled: asyncio.Event,
        deadline: float | None = None,
        progress: CheckProgress | None = None,
    ) -> ExternalResults:
        counters: Counter[str] = Counter()
        urls = select_targets(targets, self.limits, counters)
        if not urls:
            return ExternalResults(counters=counters)
        fetcher = self.make_fetcher()
        try:
            checker = Checker(fetcher.check, self.concurrency)
            results = await checker.run(urls, cancelled, deadline, progress)
        finally:
            await fetcher.close()
        results.counters.update(counters)
        return results


def broken_links(
    store: ScanStore, scan_id: int, results: ExternalResults
) -> tuple[BrokenExternal, ...]:
    """The links to other hosts whose target failed in `results`; none when the machine
    proved to have no network, which is counted in `results.counters` instead (said once by
    `model.report.crawl_notices`, not blamed on every link)."""
    counters = results.counters
    offline = results.offline_hosts()
    if offline:
        counters["external/offline-hosts"] = offline
        counters.pop("external/broken", None)
        return ()
    return _links_to(store, scan_id, results.broken())


def refused_links(
    store: ScanStore, scan_id: int, results: ExternalResults
) -> tuple[BrokenExternal, ...]:
    """The links to other hosts whose target's host turned the check away in `results`
    (`Answer.refused`): not verified either way."""
    return _links_to(store, scan_id, results.refused())


def _links_to(
    store: ScanStore, scan_id: int, answers: dict[str, Answer]
) -> tuple[BrokenExternal, ...]:
    if not answers:
        return ()
    return tuple(
        BrokenExternal(
            source, target, text, answers[target].status, answers[target].error_code, position
        )
        for source, target, text, position in store.links_to(scan_id, answers)
    )
