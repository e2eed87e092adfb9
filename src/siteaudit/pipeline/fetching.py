"""Fetching: get one page through the `Fetcher` port and turn the outcome into a `Page`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from siteaudit.model import FetchedPage, Page
from siteaudit.model.page import PROCESSING_FAILED
from siteaudit.pipeline.extraction import extract, unaudited
from siteaudit.pipeline.ports import Fetcher

logger = logging.getLogger(__name__)


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
    """Extract the `Page` model from a fetched response (HTML or not).

    A fault of extraction on one page's content (a bug: it reads anything a site sends)
    costs that page, not the scan: the page keeps its HTTP facts and `processing-failed`
    with the exception in words, the traceback is logged, and every report's head counts
    such pages (`model.report.crawl_notices`). Before, one `<img srcset=",">` ended a scan
    of any size as an internal error.
    """
    try:
        return extract(
            fetched, depth=depth, is_internal=is_internal, max_links=max_links, clean=clean
        )
    except Exception as exc:
        logger.exception("extracting %s failed (a fault of siteaudit)", fetched.url)
        fault = f"{type(exc).__name__}: {exc}"
        why = f"siteaudit failed to read this page ({fault}; a fault of siteaudit, logged)"
        return unaudited(fetched, depth, PROCESSING_FAILED, why)
