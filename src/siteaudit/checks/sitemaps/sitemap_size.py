"""`sitemap-size`: each sitemap stays within the protocol's size limits."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site

MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024  # 52,428,800 bytes, uncompressed


@site_check(
    id="sitemap-size",
    category=Category.SITEMAPS,
    severity=Severity.MEDIUM,
    title="Sitemaps stay within the size limits",
    failure_title="Sitemap exceeds the protocol's size limits",
    whole_site=True,
    docs=Docs(
        what="Compares each sitemap's URL count and uncompressed size with the sitemaps.org "
        "limits: 50,000 URLs and 50 MB (52,428,800 bytes). These are protocol limits, not "
        "tunable thresholds. The crawler stops reading at those limits, so a file cut short "
        "is also reported by `sitemap-error` as read in part.",
        why="Search engines ignore the part of a sitemap beyond the limits (Google may reject "
        "the whole file), so the URLs at the end are never submitted.",
        fix="Split the sitemap into several files of at most 50,000 URLs and 50 MB each and "
        "list them in a sitemap index.",
        references=(
            "https://www.sitemaps.org/protocol.html#index",
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/large-sitemaps",
        ),
    ),
)
def sitemap_size(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap over 50,000 URLs or 50 MB."""
    for info in site.facts.sitemaps:
        if info.urls <= MAX_URLS and info.bytes <= MAX_BYTES:
            continue
        yield failed(
            f"The sitemap {info.url} holds {info.urls:,} URLs in {info.bytes:,} bytes; the "
            f"limits are {MAX_URLS:,} URLs and {MAX_BYTES:,} bytes.",
            evidence=f"{info.url}: {info.urls} URLs, {info.bytes} bytes",
            locator=info.url,
            url=info.url,
        )
