"""Shared by the inlink site checks: the crawl's internal link graph between working pages."""

from __future__ import annotations

from array import array

from siteaudit.model.site import Site, SitePage


def landing(site: Site) -> dict[str, str]:
    """Where each crawled URL lands: its final URL after redirects."""
    return {page.url: page.final_url for page in site.pages}


def inlinks(site: Site, *, follow_only: bool = False) -> dict[str, tuple[str, ...]]:
    """For each landing URL, the distinct other pages linking to it (through redirects too),
    sorted.

    A walk over the link table's integer columns: each string's landing URL is looked up
    once, not once an edge (a shop's 2.3 million menu links: 2.7 s -> about 1 s). Lists
    first, deduplicated per target at the end: a set per target would cost about 2 KB for
    20 inlinks, 200 MB on a 100,000-page site.
    """
    strings, sources, targets, nofollow = site.link_columns()
    # Each string's number is its place in the table (they are distinct), and where it
    # lands is that same number but for redirected page URLs: their final URL's place, or
    # a number after the table's for a final URL that is no string of it. Only redirected
    # URLs are looked up: a table of a million links holds a million strings, mostly
    # anchor texts, and a map of them all cost 40 MB.
    redirected = {page.url: page.final_url for page in site.pages if page.final_url != page.url}
    finals = set(redirected.values())
    numbers = {text: n for n, text in enumerate(strings) if text in finals}
    lands_at = array("I", range(len(strings)))
    beyond: list[str] = []  # final URLs that are no string of the table
    for n, text in enumerate(strings):
        final = redirected.get(text)
        if final is not None:
            number = numbers.get(final)
            if number is None:
                number = numbers[final] = len(strings) + len(beyond)
                beyond.append(final)
            lands_at[n] = number
    names = [*strings, *beyond] if beyond else strings
    # The lists hold the table's strings, not the numbers: an array yields a new int object
    # for each element read, and 2.3 million of them took 90 MB more than shared strings.
    name = names.__getitem__
    found: dict[int, list[str]] = {}
    skips = nofollow if follow_only else bytes(len(sources))
    for source, target, skip in zip(sources, targets, skips, strict=True):
        to = lands_at[target]
        if skip or to == source or lands_at[source] == to:
            continue
        linking = found.get(to)
        if linking is None:
            found[to] = [name(source)]
        else:
            linking.append(name(source))
    # Each list is dropped as its tuple is made: both at once would double the peak.
    return {name(to): tuple(sorted(set(found.pop(to)))) for to in list(found)}


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


def start_urls(site: Site) -> frozenset[str]:
    """The scan's start URL and where it lands: the start page needs no inlinks."""
    start = next((p.final_url for p in site.pages if p.url == site.start_url), site.start_url)
    return frozenset({site.start_url, start})
