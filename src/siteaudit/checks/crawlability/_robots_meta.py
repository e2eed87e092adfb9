"""Shared by robots-directive checks: directives from meta robots and X-Robots-Tag, apart."""

from __future__ import annotations

from siteaudit.model import Page


def meta_directives(page: Page) -> frozenset[str]:
    """Directives of the robots and googlebot meta tags, lower-cased."""
    return frozenset(d.strip().lower() for d in page.meta_robots if d.strip())


def header_directives(page: Page) -> frozenset[str]:
    """Directives of X-Robots-Tag, lower-cased, with any `user-agent:` prefix removed."""
    header = page.header("x-robots-tag") or ""
    found = {part.rsplit(":", 1)[-1].strip().lower() for part in header.split(",")}
    return frozenset(d for d in found if d)
