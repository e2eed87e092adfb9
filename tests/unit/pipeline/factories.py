"""Factories for fetched pages and pages: sensible defaults, override what a test is about."""

from __future__ import annotations

from typing import Any

from siteaudit.model import FetchedPage, Page
from siteaudit.model.site import Site, SiteLink, SitePage

URL = "https://example.com/page"


def make_fetched(html: str | bytes = "", **overrides: Any) -> FetchedPage:
    """A 200 text/html response for `URL` with `html` as its body."""
    body = html.encode() if isinstance(html, str) else html
    fields: dict[str, Any] = {
        "url": URL,
        "final_url": URL,
        "status": 200,
        "headers": (("content-type", "text/html; charset=utf-8"),),
        "body": body,
        "encoding": "utf-8",
    }
    fields.update(overrides)
    return FetchedPage(**fields)


def make_page(**overrides: Any) -> Page:
    """An HTML page at `URL` that answered 200, with nothing on it unless overridden."""
    fields: dict[str, Any] = {
        "url": URL,
        "final_url": URL,
        "status": 200,
        "content_type": "text/html",
        "is_html": True,
    }
    fields.update(overrides)
    return Page(**fields)


def make_site_page(url: str, **overrides: Any) -> SitePage:
    """A working HTML page of a crawl."""
    fields: dict[str, Any] = {
        "url": url,
        "final_url": url,
        "status": 200,
        "depth": 0,
        "is_html": True,
    }
    fields.update(overrides)
    return SitePage(**fields)


def make_site(
    pages: list[SitePage], links: list[SiteLink] | None = None, start_url: str = URL
) -> Site:
    """A crawl made of `pages` and `links`."""
    return Site(start_url=start_url, pages=tuple(pages), links=tuple(links or ()))
