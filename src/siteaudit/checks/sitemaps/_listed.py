"""Shared by the `sitemap-url-*` site checks: the crawled pages a sitemap lists."""

from __future__ import annotations

from collections.abc import Iterator

from siteaudit.model.site import Site, SitePage


def listed_pages(site: Site) -> Iterator[SitePage]:
    """Every crawled page whose URL a sitemap lists, in crawl order."""
    for page in site.pages:
        if page.url in site.sitemap_urls:
            yield page
