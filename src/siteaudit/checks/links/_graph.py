"""Shared by the inlink site checks: the crawl's internal link graph between working pages."""

from __future__ import annotations

from collections import defaultdict

from siteaudit.model.site import Site, SitePage


def landing(site: Site) -> dict[str, str]:
    """Where each crawled URL lands: its final URL after redirects."""
    return {page.url: page.final_url for page in site.pages}


def inlinks(site: Site, *, follow_only: bool = False) -> dict[str, set[str]]:
    """For each landing URL, the distinct other pages linking to it (through redirects too)."""
    lands = landing(site)
    found: dict[str, set[str]] = defaultdict(set)
    for link in site.links:
        if follow_only and link.nofollow:
            continue
        target = lands.get(link.target, link.target)
        if target != link.source and lands.get(link.source, link.source) != target:
            found[target].add(link.source)
    return found


def is_working(page: SitePage) -> bool:
    """A working HTML page reached without a redirect: a node of the link graph."""
    return page.is_html and not page.is_broken and page.final_url == page.url


def is_audited(page: SitePage) -> bool:
    """A working page that wants to be found: indexable under its own URL.

    Noindex and canonicalised pages are left out: a draft or a filtered copy is not
    expected to be well linked.
    """
    self_canonical = page.canonical is None or page.canonical == page.url
    return is_working(page) and not page.noindex and self_canonical


def is_start(site: Site, page: SitePage) -> bool:
    """True for the scan's start page, which needs no inlinks."""
    start = landing(site).get(site.start_url, site.start_url)
    return page.url in {site.start_url, start}
