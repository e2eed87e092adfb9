"""Shared by `mixed-content` and `mixed-content-passive`: http:// subresources of an https page."""

from __future__ import annotations

from siteaudit.checks.base import Failed, Result, failed, not_applicable, passed
from siteaudit.model import Page

# Mixed Content Level 2: images, audio and video are upgradeable ("passive"); every other
# subresource is blockable ("active").
PASSIVE_KINDS = frozenset({"image", "media"})


def mixed(page: Page, *, passive: bool) -> Result:
    """Failures for the page's http:// resources of one class; N/A on plain-http pages."""
    if not page.is_https:
        return not_applicable()
    found = [
        r
        for r in page.resources
        if r.url.startswith("http://") and (r.kind in PASSIVE_KINDS) == passive
    ]
    if not found:
        return passed()
    return [_failure(kind=r.kind, url=r.url) for r in found]


def _failure(kind: str, url: str) -> Failed:
    return failed(
        f"The https page loads a {kind} over plain http: {url}", evidence=url, locator=url
    )
