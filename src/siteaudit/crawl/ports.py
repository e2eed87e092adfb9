"""The seam robots.txt and sitemap discovery need: the pipeline's `Fetcher`.

Its `fetch` takes a per-call body cap and can read any content type (text/plain, XML),
which robots.txt and sitemaps need; `HttpFetcher` implements it.
"""

from __future__ import annotations

from siteaudit.pipeline.ports import Fetcher as BodyFetcher

__all__ = ["BodyFetcher"]
