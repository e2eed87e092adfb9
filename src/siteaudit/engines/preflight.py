"""The discovery steps that come before crawling: robots.txt and sitemaps."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from siteaudit.pipeline.ports import Fetcher
from siteaudit.crawl.robots import Robots, RobotsMode, fetch_robots
from siteaudit.crawl.sitemaps import fetch_sitemap_urls
from siteaudit.model import ScanSpec
from siteaudit.pipeline.discovery import Discovery
from siteaudit.pipeline.urls import Scope, normalise


async def preflight(fetcher: Fetcher, spec: ScanSpec) -> Discovery:
    """Read robots.txt and the sitemaps it names (or /sitemap.xml) for the start URL's site."""
    parts = urlsplit(spec.start_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    counters: dict[str, int] = {}
    robots = await fetch_robots(fetcher, origin)
    counters[f"robots/{robots.mode}"] = 1
    blocked = _blocked_reason(robots, spec)
    if not spec.use_sitemaps:
        return Discovery(allowed=_allowed(robots, spec), counters=counters, blocked_reason=blocked)
    sitemaps = list(robots.sitemaps) or [f"{origin}/sitemap.xml"]
    found = await fetch_sitemap_urls(fetcher, sitemaps, limit=spec.max_pages)
    scope = Scope.from_spec(spec.start_url, spec.include, spec.exclude)
    urls = []
    for raw in found.urls:
        try:
            url = normalise(raw)
        except ValueError:
            continue
        if scope.allows(url):
            urls.append(url)
    counters["sitemap/urls"] = len(found.urls)
    counters["sitemap/errors"] = len(found.errors)
    return Discovery(
        allowed=_allowed(robots, spec),
        sitemap_urls=tuple(urls),
        counters=counters,
        blocked_reason=blocked,
    )


def _blocked_reason(robots: Robots, spec: ScanSpec) -> str | None:
    if not spec.respect_robots or robots.allowed(spec.start_url, spec.user_agent):
        return None
    if robots.mode is RobotsMode.DISALLOW_ALL and robots.status is None:
        return f"could not reach {spec.start_url}: {robots.reason}"
    return (
        f"robots.txt disallows {spec.start_url} ({robots.reason}); "
        "use --no-robots when auditing your own site"
    )


def _allowed(robots: Robots, spec: ScanSpec) -> Callable[[str], bool]:
    if not spec.respect_robots:
        return lambda _url: True
    return lambda url: robots.allowed(url, spec.user_agent)
