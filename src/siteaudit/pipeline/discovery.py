"""Discovery: which URLs the scan visits, in what order, and at what depth.

The frontier is breadth-first from the seeds: the start URL first, then every in-scope link
at increasing depth, then URLs known only from sitemaps (recorded with `found_via="sitemap"`
and depth 0, the distance from the nearest seed). It enforces the page and depth limits and
robots.txt, and never offers the same normalised URL twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from siteaudit.model import Page
from siteaudit.pipeline.urls import Scope, resolve

SITEMAP_DEPTH = 0


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery learnt before crawling: the robots.txt verdict and sitemap URLs."""

    allowed: Callable[[str], bool] = lambda _url: True
    sitemap_urls: tuple[str, ...] = ()
    counters: dict[str, int] = field(default_factory=dict)
    # Why nothing may be crawled, when that is the verdict (robots.txt unreachable or
    # disallowing the start URL): the message a user sees if the scan then fetches nothing.
    blocked_reason: str | None = None


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    """A URL waiting to be fetched: its depth and how it was found."""

    url: str
    depth: int
    found_via: str


@dataclass(slots=True)
class Frontier:
    """In-memory breadth-first frontier bounded by page and depth limits."""

    scope: Scope
    max_pages: int
    max_depth: int
    allowed_by_robots: Callable[[str], bool] = lambda _url: True
    follow_nofollow: bool = False
    seen: set[str] = field(default_factory=set)
    counters: dict[str, int] = field(default_factory=dict)
    _links: deque[FrontierEntry] = field(default_factory=deque)
    _sitemap: deque[FrontierEntry] = field(default_factory=deque)

    def offer(self, url: str, depth: int, found_via: str) -> bool:
        """Queue `url` if it is new, in scope, allowed and within limits; True if queued."""
        if url in self.seen:
            return False
        if not self.scope.allows(url):
            return self._skip("out-of-scope")
        if depth > self.max_depth:
            return self._skip("too-deep")
        if len(self.seen) >= self.max_pages:
            return self._skip("page-limit")
        if not self.allowed_by_robots(url):
            self.seen.add(url)  # remember it so that every later link to it is not recounted
            return self._skip("robots-disallowed")
        self.seen.add(url)
        entry = FrontierEntry(url, depth, found_via)
        (self._sitemap if found_via == "sitemap" else self._links).append(entry)
        return True

    def offer_sitemap_urls(self, urls: Iterable[str]) -> int:
        """Queue URLs listed in sitemaps behind every link-found URL; returns how many."""
        return sum(self.offer(url, SITEMAP_DEPTH, "sitemap") for url in urls)

    def pop(self) -> FrontierEntry | None:
        """The next URL to fetch, link-found ones first; None when nothing is queued."""
        if self._links:
            return self._links.popleft()
        if self._sitemap:
            return self._sitemap.popleft()
        return None

    def __len__(self) -> int:
        return len(self._links) + len(self._sitemap)

    def _skip(self, reason: str) -> bool:
        key = f"discover/skipped/{reason}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return False


def discover(page: Page, depth: int, frontier: Frontier) -> list[str]:
    """Offer a fetched page's outlinks (and its redirect target) to the frontier.

    Returns the URLs newly queued. Links are followed unless rel=nofollow (configurable) or the
    page asks robots not to follow.
    """
    queued: list[str] = []
    if page.final_url != page.url:
        target = resolve(page.final_url, page.final_url)
        if target and frontier.offer(target, depth, "redirect"):
            queued.append(target)
    page_says_nofollow = "nofollow" in page.robots_directives and not frontier.follow_nofollow
    if not page.is_html or page_says_nofollow:
        return queued
    for link in page.links:
        if not link.internal or (link.nofollow and not frontier.follow_nofollow):
            continue
        if frontier.offer(link.url, depth + 1, "link"):
            queued.append(link.url)
    return queued
