"""The discovery steps that come before crawling: robots.txt and sitemaps."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from siteaudit.crawl.robots import Robots, RobotsMode, fetch_robots
from siteaudit.crawl.sitemaps import fetch_sitemap_urls
from siteaudit.model import FetchedPage, ScanSpec
from siteaudit.model.site import SiteFacts, SitemapInfo
from siteaudit.pipeline.discovery import Discovery
from siteaudit.pipeline.ports import Fetcher
from siteaudit.pipeline.urls import InvalidURLError, Scope, host_of, normalise

LLMS_MAX_BYTES = 256 * 1024
ABSENT = frozenset({404, 410})  # answers that say a file looked for does not exist


async def preflight(fetcher: Fetcher, spec: ScanSpec) -> Discovery:
    """Read robots.txt, follow the start URL where it redirects (`follow_start`), then read
    llms.txt and the sitemaps robots.txt names (or /sitemap.xml)."""
    robots = await fetch_robots(fetcher, origin_of(spec.start_url))
    delay = apply_crawl_delay(fetcher, robots.to_json(), spec)  # the probe is paced too
    blocked = _blocked_reason(robots, spec)
    moved: ScanSpec | None = None
    if blocked is None:
        start = await follow_start(fetcher, spec)
        if isinstance(start, str):  # another site: nothing of this one can be audited
            return Discovery(
                counters={f"robots/{robots.mode}": 1},
                blocked_reason=start,
                facts=SiteFacts(robots_status=robots.status, robots_txt=robots.text),
                crawl=False,
            )
        if start is not None:
            moved = spec = start
            robots = await fetch_robots(fetcher, origin_of(spec.start_url))
            delay = apply_crawl_delay(fetcher, robots.to_json(), spec)
            blocked = _blocked_reason(robots, spec)
    counters = {f"robots/{robots.mode}": 1}
    if delay:
        counters["robots/crawl-delay-ms"] = int(delay * 1000)
    if blocked is not None:  # nothing more is asked of a site that said no (RFC 9309 2.3.1.4)
        return Discovery(
            allowed=_allowed(robots, spec),
            counters=counters,
            blocked_reason=blocked,
            facts=SiteFacts(robots_status=robots.status, robots_txt=robots.text),
            robots=robots.to_json(),
            spec=moved,
        )
    origin = origin_of(spec.start_url)
    llms = await fetcher.fetch(f"{origin}/llms.txt", max_bytes=LLMS_MAX_BYTES, accept_any_type=True)
    urls: list[str] = []
    files: tuple[SitemapInfo, ...] = ()
    if spec.use_sitemaps:
        sitemaps = list(robots.sitemaps) or [f"{origin}/sitemap.xml"]
        found = await fetch_sitemap_urls(fetcher, sitemaps, limit=spec.max_pages)
        urls = _in_scope(found.urls, spec)
        files = found.files
        errors = len(found.errors)
        if not robots.sitemaps and _absent(files):
            # Only looked for, and not there: the site has no sitemap (`sitemap-missing`),
            # not one that cannot be read (`sitemap-error`).
            files, errors = (), 0
        counters["sitemap/urls"] = len(found.urls)
        counters["sitemap/errors"] = errors
    facts = SiteFacts(
        robots_status=robots.status,
        robots_txt=robots.text,
        llms_status=llms.status,
        llms_txt=_text(llms) if llms.status == 200 else None,
        sitemaps=files,
    )
    return Discovery(
        allowed=_allowed(robots, spec),
        sitemap_urls=tuple(urls),
        counters=counters,
        facts=facts,
        robots=robots.to_json(),
        spec=moved,
    )


async def follow_start(fetcher: Fetcher, spec: ScanSpec) -> ScanSpec | str | None:
    """Where the start URL leads, when a redirect takes it off its origin.

    `http://example.com/` answering with a redirect to `https://www.example.com/` is the
    commonest start of all; crawled as asked, the scan would audit one redirect, its links
    all on another host. So the start URL is asked first (HEAD, then GET if HEAD is
    refused; no body) and when it redirects to another origin:

    - on the same host (another scheme or port), its parent or one of its subdomains: the
      spec the scan continues with, starting there (`requested_url` keeps the URL given),
      and robots.txt, llms.txt and the sitemaps are read from there;
    - on any other host: the reason nothing can be audited, in words;
    - a destination the scope already covers (a subdomain, with `--subdomains`): None, as
      for no redirect or a failed answer (the crawl fetches the start URL and says why).
    """
    answer = await fetcher.check(spec.start_url)
    if not answer.redirects or answer.error_code is not None:
        return None
    try:
        target = normalise(answer.final_url)
    except InvalidURLError:
        return None
    scope = Scope.of(spec)
    start_host, target_host = host_of(spec.start_url), host_of(target)
    if origin_of(target) == origin_of(spec.start_url):
        return None
    if target_host != start_host and scope.is_internal(target):
        return None  # widening nothing: the start URL's redirect is crawled as one
    if target_host == start_host or _related(start_host, target_host):
        moved = replace(spec, start_url=target, requested_url=spec.start_url)
        return replace(moved, start_url=Scope.of(moved).clean(target))
    return (
        f"{spec.start_url} redirects to {target}, another site, so nothing of"
        f" {start_host} could be audited: scan {target} to audit the site it leads to"
    )


def _related(host: str, other: str) -> bool:
    """True when one host name is the other's parent: example.com and www.example.com
    (addresses have no parents)."""
    if _is_address(host) or _is_address(other):
        return False
    return host.endswith("." + other) or other.endswith("." + host)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _absent(files: tuple[SitemapInfo, ...]) -> bool:
    """True when the one file looked for answered that there is no such file."""
    return len(files) == 1 and files[0].status in ABSENT


def _in_scope(found: tuple[str, ...], spec: ScanSpec) -> list[str]:
    scope = Scope.of(spec)
    urls = []
    for raw in found:
        try:
            url = normalise(raw)
        except ValueError:
            continue
        if scope.allows(url):
            urls.append(scope.clean(url))
    return urls


def _text(page: FetchedPage) -> str:
    return page.body.decode(page.encoding or "utf-8", errors="replace")


def _blocked_reason(robots: Robots, spec: ScanSpec) -> str | None:
    if not spec.respect_robots or robots.allowed(spec.start_url, spec.user_agent):
        return None
    if robots.mode is RobotsMode.DISALLOW_ALL and robots.status is None:
        return f"could not reach {spec.start_url}: {robots.reason}"
    return (
        f"robots.txt disallows {spec.start_url} ({robots.reason}); "
        "use --no-robots when auditing your own site"
    )


def apply_crawl_delay(
    fetcher: Fetcher, document: dict[str, object] | None, spec: ScanSpec
) -> float | None:
    """Pace the start URL's origin by the robots.txt Crawl-delay for our user agent (capped
    at robots.MAX_CRAWL_DELAY); returns the delay applied, if any."""
    if document is None or not spec.respect_robots:
        return None
    return _pace(fetcher, Robots.from_json(document), spec)


def _pace(fetcher: Fetcher, robots: Robots, spec: ScanSpec) -> float | None:
    delay = robots.crawl_delay(spec.user_agent)
    if delay:
        fetcher.pace(origin_of(robots.url), delay)
    return delay or None


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`: what one robots.txt governs (RFC 9309 2.3)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class HostRobots:
    """The robots.txt of every origin a scan crawls: the start URL's, read by `preflight`,
    and with the subdomains option each other host's, read before that host's first page.

    The frontier asks `allowed` as it queues a URL; an origin not read yet allows it, and
    the engine calls `learn` before fetching it, then asks again: a URL its own robots.txt
    disallows is then recorded as blocked (`Frontier.block`), never fetched. Each origin's
    robots.txt is fetched once however many fetches wait for it, its Crawl-delay paces that
    origin, and one that fails is judged as for the start URL (`crawl.robots.interpret`:
    5xx disallows all, 4xx and an unreachable host allow all).
    """

    def __init__(self, fetcher: Fetcher, spec: ScanSpec, start: dict[str, object]) -> None:
        self._fetcher = fetcher
        self._spec = spec
        first = Robots.from_json(start)
        self._verdicts: dict[str, Robots] = {origin_of(first.url): first}
        self._reading: dict[str, asyncio.Future[Robots]] = {}
        self.counters: Counter[str] = Counter()

    def allowed(self, url: str) -> bool:
        """False when the robots.txt of `url`'s origin, once read, disallows it."""
        robots = self._verdicts.get(origin_of(url))
        return robots is None or robots.allowed(url, self._spec.user_agent)

    async def learn(self, url: str) -> None:
        """Read the robots.txt of `url`'s origin, unless it was (or is being) read."""
        origin = origin_of(url)
        if origin in self._verdicts:
            return
        reading = self._reading.get(origin)
        # Cancelled (a task's time limit hit) or stopped before it was sent: read it anew.
        if reading is None or reading.cancelled() or (reading.done() and reading.exception()):
            reading = asyncio.ensure_future(fetch_robots(self._fetcher, origin))
            self._reading[origin] = reading
        robots = await asyncio.shield(reading)  # one waiter cancelled leaves the others
        if origin not in self._verdicts:
            self._verdicts[origin] = robots
            self._reading.pop(origin, None)
            self.counters["robots/hosts-read"] += 1
            self.counters[f"robots/{robots.mode}"] += 1
            if robots.mode is RobotsMode.DISALLOW_ALL:  # no answer or a server error
                self.counters["robots/hosts-unreadable"] += 1
            _pace(self._fetcher, robots, self._spec)


def robots_allowed(document: dict[str, object] | None, spec: ScanSpec) -> Callable[[str], bool]:
    """The `allowed` test of a verdict stored as `Discovery.robots` (all allowed if none)."""
    if document is None:
        return lambda _url: True
    return _allowed(Robots.from_json(document), spec)


def _allowed(robots: Robots, spec: ScanSpec) -> Callable[[str], bool]:
    if not spec.respect_robots:
        return lambda _url: True
    if spec.subdomains:  # a robots.txt speaks for its own origin only (see HostRobots)
        origin = origin_of(robots.url)
        return lambda url: origin_of(url) != origin or robots.allowed(url, spec.user_agent)
    return lambda url: robots.allowed(url, spec.user_agent)
