"""The seam robots.txt and sitemap discovery need: a fetcher that can read any body.

`siteaudit.pipeline.ports.Fetcher` only promises `fetch(url)`, which reads HTML bodies
alone. Robots.txt and sitemaps need text/plain and XML bodies read too, under their own
size caps, so they ask for this wider Protocol; `HttpFetcher` implements both.
"""

from __future__ import annotations

from typing import Protocol

from siteaudit.model.page import FetchedPage


class BodyFetcher(Protocol):
    """A Fetcher whose `fetch` takes a per-call body cap and reads any content type."""

    async def fetch(
        self, url: str, *, max_bytes: int | None = None, accept_any_type: bool = False
    ) -> FetchedPage:
        """Fetch `url`; `max_bytes` caps the decoded body, `accept_any_type` reads any body."""
        ...
