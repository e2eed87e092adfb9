"""What a scan checks once its crawl ends: the links to other sites (`external_links.py`)
and the subresources its pages load (images, scripts, stylesheets, fonts, media, iframes).

Each distinct subresource URL is judged once, however many pages load it:

- one the crawl also fetched as a page (a linked image, a PDF) by the answer the crawl
  stored, without another request;
- one of the site's own (on the scan's hosts) with the crawl's own fetcher (HEAD, then GET
  when HEAD is refused; the crawl's politeness: per-host cap, Crawl-delay and `--delay`,
  circuit breaker), unless robots.txt disallows it (counted, not asked: a search engine
  cannot load it either); at most `ResourceChecks.limit` of them, in URL order, the rest
  counted;
- one on another host (a CDN's) with the links to other sites, under their caps, only when
  those checks are on (`--no-external` turns both off).

The answers of the site's own and the other hosts' URLs are counted under `resources/` and
`external/`; the failures reach the site checks as `Site.broken_resources`, and the images
whose answer announced more than `LARGE_IMAGE_BYTES` (Content-Length) as
`Site.large_images`. A URL whose host turned the check away (`Answer.refused`: a 999, a 429
after every retry, a bot challenge) is counted as refused, not as failed.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from siteaudit.engines.external_links import (
    EXTERNAL_COUNTERS,
    Answer,
    Checker,
    CheckFunction,
    CheckProgress,
    ExternalStep,
    broken_links,
    refused_links,
)
from siteaudit.engines.preflight import HostRobots
from siteaudit.model.site import (
    LARGE_IMAGE_BYTES,
    BrokenExternal,
    BrokenResource,
    LargeImage,
    Site,
)
from siteaudit.pipeline.ports import ResourceTarget, ScanStore

RESOURCE_COUNTERS = "resources/"  # the prefix of every counter of the own resources' checks
# Counters a run of `check_targets` replaces as a whole (a resumed or redelivered run
# checks again).
TARGET_COUNTERS = (EXTERNAL_COUNTERS, RESOURCE_COUNTERS)

Allowed = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class ResourceChecks:
    """How a scan checks its own subresources: `check` is the crawl's fetcher's, `allowed`
    its robots.txt verdict (awaited: with the subdomains option a host's robots.txt may be
    read first), `is_own` whether a URL is on the scan's hosts; at most `limit` URLs are
    requested, `concurrency` at a time."""

    check: CheckFunction
    allowed: Allowed
    is_own: Callable[[str], bool]
    limit: int
    concurrency: int


def robots_verdict(allowed: Callable[[str], bool], hosts: HostRobots | None) -> Allowed:
    """`ResourceChecks.allowed` from a scan's robots.txt verdict, or with the subdomains
    option from its `HostRobots` (which reads a host's robots.txt the first time)."""
    if hosts is None:

        async def start_host(url: str) -> bool:
            return allowed(url)

        return start_host

    async def each_host(url: str) -> bool:
        await hosts.learn(url)
        return hosts.allowed(url)

    return each_host


@dataclass(frozen=True, slots=True)
class Broken:
    """What failed among the targets checked once the crawl ended, the links to other
    hosts that turned the check away, and the images that answered larger than
    `LARGE_IMAGE_BYTES`."""

    external: tuple[BrokenExternal, ...] = ()
    resources: tuple[BrokenResource, ...] = ()
    large_images: tuple[LargeImage, ...] = ()
    counters: Counter[str] = field(default_factory=Counter)
    unverified_external: tuple[BrokenExternal, ...] = ()

    def given_to(self, site: Site) -> Site:
        """`site` with what the site checks read of these checks."""
        if not (self.external or self.resources or self.large_images or self.unverified_external):
            return site
        return replace(
            site,
            broken_external=self.external,
            unverified_external=self.unverified_external,
            broken_resources=self.resources,
            large_images=self.large_images,
        )


@dataclass(slots=True)
class _Sorted:
    """A scan's subresource URLs, by how each is judged: at most `ResourceChecks.limit` of
    the site's own and as many of other hosts' are kept (the external links' caps then
    apply to the latter); the rest are counted."""

    known: dict[str, Answer] = field(default_factory=dict)  # answered in the crawl
    own: list[str] = field(default_factory=list)  # to request
    other: list[str] = field(default_factory=list)  # other hosts'
    past_limit: int = 0
    excluded: int = 0  # the site's own, matching an exclude pattern


def _sort(
    targets: Iterable[ResourceTarget], own: ResourceChecks, excluded: Callable[[str], bool]
) -> _Sorted:
    found = _Sorted()
    for target in targets:
        if target.crawled:  # as many as the crawl's pages
            found.known[target.url] = Answer(target.status, target.error_code, target.size)
            continue
        is_own = own.is_own(target.url)
        if is_own and excluded(target.url):  # other hosts': with the links (`_kept`)
            found.excluded += 1
            continue
        kept = found.own if is_own else found.other
        if len(kept) < own.limit:
            kept.append(target.url)
        else:
            found.past_limit += 1
    return found


async def check_targets(
    store: ScanStore,
    scan_id: int,
    cancelled: asyncio.Event,
    *,
    external: ExternalStep | None,
    own: ResourceChecks | None,
    excluded: Callable[[str], bool] = lambda _url: False,  # nothing excluded
    deadline: float | None = None,
    progress: CheckProgress | None = None,
) -> Broken:
    """Check what the crawl found and did not fetch: links to other sites and subresources
    on them with `external` (None: not checked), the site's own subresources with `own`
    (None: no subresource is checked), except the URLs `excluded` (the scan's exclude
    patterns; counted as `.../skipped/excluded`); none is started past `deadline`
    (`time.monotonic()`; counted as `.../skipped/time-limit`). Each answer counts in
    `progress`. The failures, and the counters under `TARGET_COUNTERS`."""
    counters: Counter[str] = Counter()
    found = _sort(store.resource_targets(scan_id), own, excluded) if own is not None else _Sorted()
    answers = dict(found.known)
    links: tuple[BrokenExternal, ...] = ()
    unverified: tuple[BrokenExternal, ...] = ()
    if external is not None:
        merged = _merged(store.external_targets(scan_id), found.other)
        targets = _kept(merged, excluded, counters, f"{EXTERNAL_COUNTERS}skipped/excluded")
        results = await external.run(targets, cancelled, deadline, progress)
        links = broken_links(store, scan_id, results)
        unverified = refused_links(store, scan_id, results)
        counters.update(results.counters)
        if not results.offline_hosts():  # no way out says nothing of the resources either
            answered = results.answers
            answers.update((url, answered[url]) for url in found.other if url in answered)
    if own is not None:
        counters[f"{RESOURCE_COUNTERS}answered-in-crawl"] = len(found.known)
        if found.past_limit:
            counters[f"{RESOURCE_COUNTERS}skipped/scan-cap"] = found.past_limit
        if found.excluded:
            counters[f"{RESOURCE_COUNTERS}skipped/excluded"] = found.excluded
        asked = [url for url in found.own if await own.allowed(url)]
        if len(asked) < len(found.own):
            counters[f"{RESOURCE_COUNTERS}skipped/robots"] = len(found.own) - len(asked)
        checker = Checker(own.check, own.concurrency, RESOURCE_COUNTERS)
        results = await checker.run(asked, cancelled, deadline, progress)
        counters.update(results.counters)
        answers.update(results.answers)
    broken = {url for url, answer in answers.items() if answer.broken}
    large = {url for url, answer in answers.items() if (answer.size or 0) > LARGE_IMAGE_BYTES}
    resources: list[BrokenResource] = []
    images: list[LargeImage] = []
    for page, target, kind in (
        store.resources_at(scan_id, broken | large) if broken or large else ()
    ):
        answer = answers[target]
        if target in broken:
            resources.append(BrokenResource(page, target, kind, answer.status, answer.error_code))
        elif kind == "image" and answer.size is not None:
            images.append(LargeImage(page, target, answer.size))
    return Broken(links, tuple(resources), tuple(images), counters, unverified)


def _kept(
    urls: Iterable[str], excluded: Callable[[str], bool], counters: Counter[str], skipped: str
) -> Iterator[str]:
    """The `urls` not `excluded`, in order; the others counted under `skipped`."""
    for url in urls:
        if excluded(url):
            counters[skipped] += 1
        else:
            yield url


def _merged(first: Iterable[str], second: Iterable[str]) -> Iterator[str]:
    """Two URL lists, each in order, as one in order without repeats."""
    previous = None
    for url in heapq.merge(first, second):
        if url != previous:
            yield url
        previous = url
