"""Fetching the web safely: the HTTP fetcher, SSRF guard, bounded decoding, robots, sitemaps.

Engines build one `HttpFetcher(FetchConfig(...), AddressPolicy.service())` per scan (the CLI
uses `AddressPolicy.cli()`), call `fetch_robots`, `fetch_sitemap_urls` and `fetch`, and
`close()` it at the end. Failures come back as data with a stable `ErrorCode`.
"""

from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.errors import (
    BlockedAddressError,
    BodyTooLargeError,
    CrawlError,
    DecodingError,
    ErrorCode,
)
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.robots import Robots, RobotsMode, fetch_robots
from siteaudit.crawl.sitemaps import SitemapError, SitemapLimits, SitemapResult, fetch_sitemap_urls
from siteaudit.crawl.ssrf import AddressPolicy

__all__ = [
    "AddressPolicy",
    "BlockedAddressError",
    "BodyTooLargeError",
    "CrawlError",
    "DecodingError",
    "ErrorCode",
    "FetchConfig",
    "HttpFetcher",
    "Robots",
    "RobotsMode",
    "SitemapError",
    "SitemapLimits",
    "SitemapResult",
    "fetch_robots",
    "fetch_sitemap_urls",
]
