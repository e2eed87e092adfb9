"""Discovery: which URLs the scan visits, in what order, and at what depth.

The frontier is breadth-first from the seeds: the start URL first, then every in-scope link
at increasing depth, then URLs known only from sitemaps (recorded with `found_via="sitemap"`
and depth 0, the distance from the nearest seed). It enforces the page and depth limits and
robots.txt, and never offers the same normalised URL twice.

Crawler traps (infinite calendars, session ids in every link, faceted search) are bounded
by `TrapLimits`: URL length, distinct query strings per path, the span of link depths one
path pattern reaches (digits and hex ids folded), and repeated path segments. A URL over a
bound is not crawled; the first one of each trap is kept as a `Trap` so a check can name it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from siteaudit.model import FetchedPage, Page, ScanSpec
from siteaudit.model.page import NOFOLLOW_DIRECTIVES, refresh_url
from siteaudit.model.report import LEFT_OUT_COUNTED, MAX_HOSTS
from siteaudit.model.site import Site, SiteFacts, Trap
from siteaudit.pipeline.ports import ScanStore
from siteaudit.pipeline.urls import Scope, host_of, resolve

logger = logging.getLogger(__name__)

SITEMAP_DEPTH = 0
MAX_CANONICALS = 5  # canonical URLs a page offers the frontier (one is all that counts)
DEPTH_LIMIT = "too-deep"  # the depth limit's name, as `_leave_out` and `left_out` rows give it
TOO_DEEP = f"discover/skipped/{DEPTH_LIMIT}"
# At most this many times a crawl goes on with links the depth limit had cut
# (`offer_cut_links`): each round's pages are offered at their shortest depths, so one
# round is the rule.
REOPEN_ROUNDS = 3
# The frontier's counters of distinct URLs (the rest count links): a resumed scan counts
# these afresh from the links it offers again (`Frontier.restore`).
COUNTED_PER_URL = (
    "discover/skipped/page-limit",
    TOO_DEEP,
    "discover/skipped/host-limit",
    "discover/skipped/robots-disallowed",
)
_NUMBERS = re.compile(r"\d+")
_IDS = re.compile(r"[0-9a-f]{8,}|[0-9a-f-]{32,}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TrapLimits:
    """Bounds that stop crawler traps; each applies per scan."""

    max_url_length: int = 2048
    max_query_variants: int = 200  # distinct query strings for one path
    # URLs whose path folds to one pattern may span this many link depths: an infinite
    # calendar (/cal/2024/05 -> /cal/2024/06 -> ...) goes one level deeper per step, while a
    # product catalogue (/product/N) sits at a few depths however large it is.
    max_pattern_depth_span: int = 12
    max_pattern_urls: int | None = None  # optional hard cap per pattern (off by default)
    max_segment_repeats: int = 3  # the same path segment this many times: /a/b/a/b/a/b


def path_pattern(url: str) -> str:
    """The URL's host and path with ids and numbers folded: /cal/2024/05 -> /cal/N/N."""
    parts = urlsplit(url)
    return parts.netloc + _NUMBERS.sub("N", _IDS.sub("X", parts.path))


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery learnt before crawling: the robots.txt verdict and sitemap URLs."""

    allowed: Callable[[str], bool] = lambda _url: True
    sitemap_urls: tuple[str, ...] = ()
    counters: dict[str, int] = field(default_factory=dict)
    # Why nothing may be crawled, when that is the verdict (robots.txt unreachable or
    # disallowing the start URL): the message a user sees if the scan then fetches nothing.
    blocked_reason: str | None = None
    facts: SiteFacts = field(default_factory=SiteFacts)
    # The robots.txt verdict as JSON, so that a worker elsewhere can rebuild `allowed`.
    robots: dict[str, object] | None = None
    # The scan's spec when discovery changed it: the start URL redirected to another
    # address of the site, where the crawl starts (`ScanSpec.requested_url`). The engine
    # stores it and crawls by it.
    spec: ScanSpec | None = None
    # False when nothing may be crawled at all (the start URL leads to another site);
    # `blocked_reason` says why.
    crawl: bool = True


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
    # Remember the depth of every URL accepted, and note in `closer` those offered again
    # closer to the start once popped: the distributed engine's queue is in its database
    # (work rows), where it lowers the depth of the ones still waiting.
    track_depths: bool = False
    # False: URLs a limit leaves out are kept for `take_left_out` instead of counted; the
    # distributed engine counts them in its database, once whichever process's frontier
    # left them out (a frontier made in another process knows nothing of the earlier ones).
    count_left_out: bool = True
    traps_limits: TrapLimits = field(default_factory=TrapLimits)
    seen: set[str] = field(default_factory=set)
    robots_blocked: set[str] = field(default_factory=set)
    traps: dict[tuple[str, str], Trap] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)
    _links: deque[FrontierEntry] = field(default_factory=deque)
    _sitemap: deque[FrontierEntry] = field(default_factory=deque)
    # A resumed scan's stored offers, shallowest first, offered a depth at a time as the
    # crawl reaches it (`release_resumed`, `pop`).
    _resumed: deque[FrontierEntry] = field(default_factory=deque)
    _variants: Counter[str] = field(default_factory=Counter)
    _patterns: Counter[str] = field(default_factory=Counter)
    _pattern_depth: dict[str, int] = field(default_factory=dict)
    # Hashes of URLs past a limit, with the limit that counted them (`_leave_out`).
    _left_out: dict[int, str] = field(default_factory=dict)
    _left_new: list[tuple[str, str]] = field(default_factory=list)  # without count_left_out
    # Queued URLs and the shallowest depth each was offered at since: under concurrency a
    # page one click deeper can be processed first and offer a URL before the page that
    # is closer to the start does (the Python docs from a server without keep-alive: 37
    # pages a click too deep, and click-depth findings that came and went between scans).
    _queued: dict[str, int] = field(default_factory=dict)
    closer: dict[str, int] = field(default_factory=dict)  # with track_depths (above)
    _depth_of: dict[str, int] = field(default_factory=dict)  # with track_depths
    _hosts: set[str] = field(default_factory=set)  # with subdomains: the hosts crawled

    def offer(self, url: str, depth: int, found_via: str) -> bool:
        """Queue `url` (parameter rules applied) if it is new, in scope, allowed and within
        limits; True if queued. The start URL is in scope on its host whatever include and
        exclude say: the pages they select are found from it."""
        accepted = self._accept(url, depth, found_via)
        if accepted is None:
            return False
        self.requeue(accepted, depth, found_via)
        return True

    def claim(self, url: str, depth: int, found_via: str) -> bool:
        """Take `url` as `offer` would queue it, but as fetched already: True when it was
        new, in scope, allowed and within limits (counted as a page, never queued), False
        when `offer` would not queue it or parameter rules change it. For a redirect's
        target, whose answer the chain that reached it has read (`engines/local.py`)."""
        if self.scope.clean(url) != url or self._accept(url, depth, found_via) is None:
            return False
        if self.track_depths:
            self._depth_of[url] = min(depth, self._depth_of.get(url, depth))
        return True

    def _accept(self, url: str, depth: int, found_via: str) -> str | None:
        """`url` cleaned and counted as seen if `offer` may queue it; else None (counted
        where a limit or robots.txt kept it out, a shallower depth noted when queued)."""
        url = self.scope.clean(url)
        if url in self.seen or url in self.robots_blocked:
            if found_via == "sitemap":  # a sitemap's depth is no number of clicks
                return None
            if depth < self._queued.get(url, depth):  # closer to the start, not yet popped
                self._queued[url] = depth
                if self.track_depths:
                    self._depth_of[url] = depth
            elif self.track_depths and depth < self._depth_of.get(url, depth):
                self._depth_of[url] = self.closer[url] = depth
            return None
        if not self.scope.allows(url) and not (
            found_via == "start" and self.scope.is_internal(url)
        ):
            self._skip("out-of-scope")
            return None
        if depth > self.max_depth:
            self._leave_out(url, DEPTH_LIMIT)
            return None
        self._within_depth(url)
        if len(self.seen) >= self.max_pages:
            self._leave_out(url, "page-limit")
        elif not self.allowed_by_robots(url):
            self.block(url)
        elif found_via != "start" and self._is_trap(url, depth):
            pass  # counted, and the trap kept, by `_is_trap`
        elif self.scope.subdomains and not self._new_host_allowed(url):
            self._leave_out(url, "host-limit")
        else:
            self.seen.add(url)
            self._taken_after_all(url)
            return url
        return None

    def restore(
        self,
        done: Mapping[str, int],
        pending: Iterable[tuple[str, int]],
        start: str | None = None,
        offers: Iterable[tuple[str, int, str]] = (),
    ) -> None:
        """Continue a scan that stored the pages `done` (URL -> depth): they are never
        offered again and count under the page, host and trap limits as they did when first
        queued; its `start` URL, if it has no page yet, is offered first, then the stored
        links to URLs that have no page (`pending`, (URL, depth)) with the pages' other
        offers (`offers`, (URL, depth, found via): redirect targets, canonicals), in their
        order within a depth.

        Those are offered a depth at a time, when the crawl reaches it: by `pop` once the
        link queue's next URL is as deep, or by `release_resumed` when the queue is empty
        and no page is being fetched (the engine's call: a page in flight may offer URLs
        closer to the start). So, as in a run, the pages that were fetched but not stored
        (rows are written in batches, and a page's children can be stored before it; the
        start page is often among them) offer their links before the stored pages' deeper
        ones take the places under the page limit. Offered at once, they did: the Python
        docs at --max-pages 200, killed after a second and resumed, lost three pages a
        click from the start to pages two clicks away.

        What is counted per link (URLs out of scope, trap hits) was counted when the links
        were first offered and is not counted again; what is counted per URL
        (`COUNTED_PER_URL`) is counted afresh, the engine having dropped the old counts.
        """
        for url, depth in sorted(done.items(), key=lambda item: (item[1], item[0])):
            self.seen.add(url)
            if self.scope.subdomains:
                self._hosts.add(host_of(url))
            self._track(url, depth)
        if start is not None:
            self._offer_again([FrontierEntry(start, 0, "start")])
        queued = [FrontierEntry(url, depth, "link") for url, depth in pending]
        offered = [FrontierEntry(*offer) for offer in offers]
        self._resumed.extend(sorted([*queued, *offered], key=lambda entry: entry.depth))

    def release_resumed(self) -> bool:
        """Offer a resumed scan's stored offers of the shallowest depth left (`restore`),
        and of the next while none of them is queued; True when something was queued. For
        an engine whose link queue is empty with no page in flight."""
        while self._resumed:
            self._offer_again(self._next_resumed())
            if self._links:
                return True
        return False

    def _release_reached(self) -> None:
        """Offer the resumed scan's stored offers of each depth the link queue has reached
        (its next URL as deep: it is about breadth-first)."""
        while self._resumed and self._links:
            head = self._links[0]
            if self._resumed[0].depth > self._queued.get(head.url, head.depth):
                return
            self._offer_again(self._next_resumed())

    def _next_resumed(self) -> list[FrontierEntry]:
        depth = self._resumed[0].depth
        group = []
        while self._resumed and self._resumed[0].depth == depth:
            group.append(self._resumed.popleft())
        return group

    def _offer_again(self, entries: Iterable[FrontierEntry]) -> None:
        """Offer what a resumed scan's stored pages offered: its per-link counts stand as
        first counted (`restore`)."""
        counted = self.counters.copy()
        for entry in entries:
            self.offer(entry.url, entry.depth, entry.found_via)
        for name in list(self.counters):
            if not name.startswith(COUNTED_PER_URL):
                self.counters[name] = counted[name]
                if not counted[name]:
                    del self.counters[name]

    def block(self, url: str, *, count: bool = True) -> bool:
        """Record `url` as disallowed by robots.txt (learnt late, for a subdomain whose
        robots.txt is read before its first page); it no longer counts as a page. Without
        `count`, the skip was counted elsewhere (the distributed engine's fetch step)."""
        self.seen.discard(url)
        self.robots_blocked.add(url)  # remembered, so later links to it are not recounted
        return self._skip("robots-disallowed") if count else False

    def _new_host_allowed(self, url: str) -> bool:
        host = host_of(url)
        if host in self._hosts:
            return True
        if len(self._hosts) >= MAX_HOSTS:
            return False
        self._hosts.add(host)
        return True

    def requeue(self, url: str, depth: int, found_via: str) -> None:
        """Queue `url` (again, when it was seen already: its result was lost, a worker
        process having died before storing it), bypassing every check of `offer`."""
        entry = FrontierEntry(url, depth, found_via)
        (self._sitemap if found_via == "sitemap" else self._links).append(entry)
        self._queued[url] = depth
        if self.track_depths:
            self._depth_of[url] = min(depth, self._depth_of.get(url, depth))

    def offer_sitemap_urls(self, urls: Iterable[str]) -> int:
        """Queue URLs listed in sitemaps behind every link-found URL; returns how many."""
        return sum(self.offer(url, SITEMAP_DEPTH, "sitemap") for url in urls)

    def pop(self) -> FrontierEntry | None:
        """The next URL to fetch, link-found ones first, at the shallowest depth it was
        offered at while queued; None when nothing is queued (a resumed scan's stored offers
        may wait: `release_resumed`)."""
        if self._resumed:
            self._release_reached()
        if self._links:
            entry = self._links.popleft()
        elif self._sitemap:
            entry = self._sitemap.popleft()
        else:
            return None
        depth = self._queued.pop(entry.url, entry.depth)
        return entry if depth == entry.depth else FrontierEntry(entry.url, depth, entry.found_via)

    def __len__(self) -> int:
        return len(self._links) + len(self._sitemap) + len(self._resumed)

    def _skip(self, reason: str) -> bool:
        self.counters[f"discover/skipped/{reason}"] += 1
        return False

    def _leave_out(self, url: str, limit: str) -> bool:
        """Count a URL that a limit keeps out once, however many pages link to it (up to
        LEFT_OUT_COUNTED URLs: the report then says "at least"), under the first limit
        that kept it out, unless that was the depth limit and a shallower offer is kept
        out by another (`_within_depth`)."""
        key = hash(url)
        if key in self._left_out or len(self._left_out) >= LEFT_OUT_COUNTED:
            return False
        self._left_out[key] = limit
        if not self.count_left_out:
            self._left_new.append((url, limit))
            return False
        return self._skip(limit)

    def _within_depth(self, url: str) -> None:
        """Note that `url` is offered within the depth limit: left out as too deep before,
        it is too deep no more, and another limit that keeps it out now counts it instead
        (the Python docs at --max-depth 2 --max-pages 200: two pages two clicks away left
        out by the page limit were said to be more than two links away, and the page limit
        said nothing). Without `count_left_out` the caller's table moves it when that limit
        hands it over (`take_left_out`)."""
        if self._left_out and self._left_out.get(hash(url)) == DEPTH_LIMIT:
            del self._left_out[hash(url)]
            if self.count_left_out:
                self._uncount(DEPTH_LIMIT)

    def take_left_out(self) -> list[tuple[str, str]]:
        """The URLs left out under a limit since the last call, each with the limit's name
        (without `count_left_out`: their counting is the caller's)."""
        taken, self._left_new = self._left_new, []
        return taken

    def _taken_after_all(self, url: str) -> None:
        """Count `url` out of the limit that had left it out: offered too deep first, it
        was offered within the depth limit later (pages finish out of order). Counted, the
        notice said "44 URLs more than 2 links away from the start page were not fetched"
        of the Python docs at --max-depth 2, a different number each scan, where 10 were.
        (Without `count_left_out`, the caller takes it out, as it counted it.)"""
        if not self._left_out or not self.count_left_out:
            return
        limit = self._left_out.pop(hash(url), None)
        if limit is not None:
            self._uncount(limit)

    def _uncount(self, limit: str) -> None:
        name = f"discover/skipped/{limit}"
        self.counters[name] -= 1
        if not self.counters[name]:
            del self.counters[name]

    def _is_trap(self, url: str, depth: int) -> bool:
        limits = self.traps_limits
        if len(url) > limits.max_url_length:
            return self._trap("url-length", f"URLs longer than {limits.max_url_length}", url)
        segments = [s for s in urlsplit(url).path.split("/") if s]
        repeats = max(Counter(segments).values(), default=0)
        if repeats >= limits.max_segment_repeats:
            return self._trap("repeated-segments", path_pattern(url), url)
        base, has_query, _ = url.partition("?")
        if has_query:
            self._variants[base] += 1
            if self._variants[base] > limits.max_query_variants:
                return self._trap("query-variants", base + "?…", url)
        pattern = path_pattern(url)
        shallowest = self._pattern_depth.setdefault(pattern, depth)
        if depth - shallowest > limits.max_pattern_depth_span:
            return self._trap("path-pattern", pattern, url)
        self._patterns[pattern] += 1
        if (
            limits.max_pattern_urls is not None
            and self._patterns[pattern] > limits.max_pattern_urls
        ):
            return self._trap("path-pattern", pattern, url)
        return False

    def _trap(self, kind: str, pattern: str, url: str) -> bool:
        self.traps.setdefault((kind, pattern), Trap(kind, pattern, url))
        self.counters[f"discover/trap/{kind}"] += 1
        return True

    def _track(self, url: str, depth: int) -> None:
        """Count a URL queued before (a resumed scan's stored page) as `_is_trap` counts
        the URLs it lets through: a trap's bound holds across resumes."""
        base, has_query, _ = url.partition("?")
        if has_query:
            self._variants[base] += 1
        pattern = path_pattern(url)
        self._pattern_depth.setdefault(pattern, depth)
        self._patterns[pattern] += 1


def discover(page: Page, depth: int, frontier: Frontier) -> list[str]:
    """Offer a fetched page's outlinks (and its redirect target) to the frontier.

    Returns the URLs newly queued.
    """
    return [
        url
        for url, at, via in candidates(page, depth, follow_nofollow=frontier.follow_nofollow)
        if frontier.offer(url, at, via)
    ]


def follows_links(page: Page, *, follow_nofollow: bool) -> bool:
    """True when the page's links are offered the frontier: unless the page asks robots not
    to follow them (and `follow_nofollow` is off)."""
    return follow_nofollow or page.robots_directives.isdisjoint(NOFOLLOW_DIRECTIVES)


def candidates(page: Page, depth: int, *, follow_nofollow: bool) -> list[tuple[str, int, str]]:
    """The (URL, depth, found via) a page offers the frontier, in the order they are offered.

    Its redirect target first (an HTTP redirect's, or a meta refresh's), then its internal
    links, unless rel=nofollow (configurable) or the page asks robots not to follow, then
    its canonical URLs on its own host, to judge them (`canonical-target-*`): a hint, not a
    link, so offered whatever nofollow says, as Screaming Frog crawls canonicals by default
    (one on another host is another site's page, like an external link's target). The
    distributed engine stores these with the page and offers them later, in another process.
    """
    offered: list[tuple[str, int, str]] = []
    if page.final_url != page.url:
        target = resolve(page.final_url, page.final_url)
        if target:
            offered.append((target, depth, "redirect"))
    if not page.is_html:
        return offered
    # A meta refresh is a redirect too, as browsers and Google follow it; so is a Refresh
    # header (relative to the response's URL, not the document's <base>).
    refresh = refresh_url(page.meta.get("refresh") or "")
    base = page.base_href or page.final_url
    if refresh is None:
        refresh, base = refresh_url(page.header("refresh") or ""), page.final_url
    target = resolve(base, refresh) if refresh else None
    if target and target != page.url:
        offered.append((target, depth, "redirect"))
    if follows_links(page, follow_nofollow=follow_nofollow):
        offered.extend(
            (link.url, depth + 1, "link")
            for link in page.links
            if link.internal and (follow_nofollow or not link.nofollow)
        )
    host = host_of(page.final_url)
    offered.extend(
        (url, depth + 1, "canonical")
        for url in page.canonicals[:MAX_CANONICALS]
        if url not in (page.url, page.final_url) and host_of(url) == host
    )
    return offered


def redirect_answer(fetched: FetchedPage) -> FetchedPage | None:
    """The answer that ended `fetched`'s redirects, as its target's own page (the target's
    URL resolved as `candidates` offers it); None when it did not redirect, led back to
    itself, or its final answer failed (a timeout, a body past the cap, a chain cut short:
    fetched on its own, the target gets its own tries).

    The chain read the target's answer already, whole and under a page's bounds: both
    engines audit the target from it when their frontier takes the target, instead of
    downloading it a second time (the Python docs with clean URLs: 1,572 requests, 1,063).
    """
    if not fetched.redirects or fetched.status is None or fetched.error_code is not None:
        return None
    target = resolve(fetched.final_url, fetched.final_url)
    if target is None or target == fetched.url:
        return None
    return replace(fetched, url=target, final_url=target, redirects=())


def shortest_depths(site: Site, *, follow_nofollow: bool) -> dict[str, int]:
    """The pages the crawl recorded deeper than a path it took allows, each with that
    path's length (none in most crawls).

    A URL takes the depth it is first offered at, lowered while it waits in the queue
    (`Frontier.offer`); a page fetched before a shorter path to it turned up kept the
    longer one. That happens when a page on the short path finishes late: retried after a
    refusal or a timeout, or slow to answer. The crawl's own edges are walked again from
    every page's recorded depth, as `candidates` offers them: an internal link it followed
    (one click more), a redirect to its target (none), a page's canonical on its host (one
    more). A depth only ever falls, and only along a path the crawl took; sitemap pages
    stay at 0. Passes over the links until nothing falls: two in most crawls, about a
    second each for a million links.
    """
    slot = {page.url: n for n, page in enumerate(site.pages)}
    depth = [page.depth for page in site.pages]
    extra: list[tuple[int, int, int]] = []  # (from, to, clicks): redirects and canonicals
    for n, page in enumerate(site.pages):
        target = slot.get(page.final_url)
        if target is not None and target != n:
            extra.append((n, target, 0))
        canonical = None if page.canonical is None else slot.get(page.canonical)
        if canonical is not None and host_of(page.canonical) == host_of(page.final_url):
            extra.append((n, canonical, 1))
    strings, sources, targets, nofollow = site.link_columns()
    # For each string of the table: its page's slot, or -1 (an anchor text, a URL that is
    # no page, a source whose links were not followed).
    as_target = [slot.get(text, -1) for text in strings]
    followed = [page.follows_links for page in site.pages]
    as_source = [n if n >= 0 and followed[n] else -1 for n in as_target]
    flags = [False] * len(nofollow) if follow_nofollow else nofollow
    falling = True
    while falling:
        falling = False
        for source, target, skip in zip(sources, targets, flags, strict=True):
            frm, to = as_source[source], as_target[target]
            if frm < 0 or to < 0 or skip:
                continue
            if depth[frm] + 1 < depth[to]:
                depth[to] = depth[frm] + 1
                falling = True
        for frm, to, clicks in extra:
            if depth[frm] + clicks < depth[to]:
                depth[to] = depth[frm] + clicks
                falling = True
    return {page.url: depth[n] for n, page in enumerate(site.pages) if depth[n] < page.depth}


def cut_links(site: Site, max_depth: int, *, follow_nofollow: bool) -> list[tuple[str, int]]:
    """The internal links the depth limit cut that a shorter path brings within it: each
    (URL, depth) for a URL that is no page, linked from a page recorded at `max_depth` or
    deeper (its links were left out as too deep) whose shortest depth (`shortest_depths`) is
    under it. None in most crawls.

    A page fetched before a shorter path to it turned up kept the longer depth until the
    depths were settled, after the crawl; at the depth limit its links were left out, and
    the pages a click below it were never audited, though within the limit.
    """
    lowered = shortest_depths(site, follow_nofollow=follow_nofollow)
    opened = {
        page.url: lowered[page.url]
        for page in site.pages
        if page.follows_links
        and page.depth >= max_depth
        and lowered.get(page.url, max_depth) < max_depth
    }
    if not opened:
        return []
    pages = {page.url for page in site.pages}
    strings, sources, targets, nofollow = site.link_columns()
    flags = [False] * len(nofollow) if follow_nofollow else nofollow
    found: dict[str, int] = {}
    for source, target, skip in zip(sources, targets, flags, strict=True):
        depth = opened.get(strings[source])
        url = strings[target]
        if depth is not None and not skip and url not in pages:
            found[url] = min(depth + 1, found.get(url, depth + 1))
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def offer_cut_links(frontier: Frontier, site: Site, scan_id: int) -> bool:
    """Offer `frontier` the links its depth limit cut from `site` (scan `scan_id`'s stored
    crawl) that a shorter path brings within it (`cut_links`); True when it took some.
    Offered as their pages offered them (`candidates`: internal links); URLs the scope
    leaves out were counted when first offered, and are not offered again."""
    offers = cut_links(site, frontier.max_depth, follow_nofollow=frontier.follow_nofollow)
    taken = [
        url
        for url, depth in offers
        if frontier.scope.allows(url) and frontier.offer(url, depth, "link")
    ]
    if taken:
        logger.info(
            "scan %s: %d pages the depth limit had cut are within it by a shorter path",
            scan_id,
            len(taken),
            extra={"scan_id": scan_id},
        )
    return bool(taken)


def settle_depths(store: ScanStore, scan_id: int, site: Site, *, follow_nofollow: bool) -> Site:
    """`site` with the depths `shortest_depths` lowers, stored too (the report reads them),
    once the crawl is over and before the site checks (`click-depth`) run."""
    depths = shortest_depths(site, follow_nofollow=follow_nofollow)
    if depths:
        store.save_depths(scan_id, depths)
        logger.info("scan %s: %d pages a click or more nearer the start", scan_id, len(depths))
    return site.with_depths(depths)
