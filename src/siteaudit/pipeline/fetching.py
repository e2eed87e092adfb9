"""Fetching: get one page through the `Fetcher` port and turn the outcome into a `Page`."""

from __future__ import annotations

from collections.abc import Callable

from siteaudit.model import FetchedPage, Page
from siteaudit.pipeline.extraction import extract
from siteaudit.pipeline.ports import Fetcher


async def fetch(fetcher: Fetcher, url: str) -> FetchedPage:
    """Fetch `url`; the fetcher reports failures in the result rather than raising."""
    return await fetcher.fetch(url)


def to_page(
    fetched: FetchedPage,
    *,
    depth: int,
    is_internal: Callable[[str], bool],
    max_links: int,
    clean: Callable[[str], str] | None = None,
) -> Page:
    """Extract the `Page` model from a fetched response (HTML or not)."""
    return extract(fetched, depth=depth, is_internal=is_internal, max_links=max_links, clean=clean)
