"""Shared by the `canonical-target-*` site checks: pages and the crawled page they defer to."""

from __future__ import annotations

from collections.abc import Iterator

from siteaudit.model.site import Site, SitePage


def canonical_targets(site: Site) -> Iterator[tuple[SitePage, SitePage]]:
    """(page, target) for each working HTML page whose canonical is another crawled URL."""
    index = site.page_index()
    for page in site.pages:
        canonical = page.canonical
        if canonical is None or canonical in {page.url, page.final_url}:
            continue
        if not page.is_html or page.is_broken:
            continue
        target = index.get(canonical)
        if target is not None:
            yield page, target


def is_redirect(page: SitePage) -> bool:
    """True when the crawl saw the URL redirect elsewhere."""
    return page.redirect_hops > 0 or page.final_url != page.url
