"""Shared by the `*-duplicate` site checks: group indexable pages by a text they should own."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from siteaudit.model.site import Site, SitePage

MAX_LISTED = 5


def duplicate_groups(
    site: Site, key: Callable[[SitePage], str | None]
) -> Iterator[tuple[str, list[SitePage]]]:
    """(value, pages) for each non-empty value of `key` shared by two or more indexable pages.

    Pages that are not indexable (broken, noindex, or canonicalised to another URL) are left
    out: they are expected to repeat the text of the page they defer to.
    """
    groups: dict[str, list[SitePage]] = defaultdict(list)
    for page in site.pages:
        value = key(page)
        if value and is_indexable(page):
            groups[" ".join(value.split())].append(page)
    for value, pages in groups.items():
        if len(pages) > 1:
            yield value, pages


def is_indexable(page: SitePage) -> bool:
    """True for a working HTML page that asks to be indexed under its own URL."""
    self_canonical = page.canonical is None or page.canonical in {page.url, page.final_url}
    return page.is_html and not page.is_broken and not page.noindex and self_canonical


def shared_with(page: SitePage, group: list[SitePage]) -> str:
    """Evidence naming the other pages of a group (the first few)."""
    others = [p.url for p in group if p is not page]
    listed = ", ".join(others[:MAX_LISTED])
    more = f" and {len(others) - MAX_LISTED} more" if len(others) > MAX_LISTED else ""
    return f"Also on: {listed}{more}"
