"""Shared by `charset` and `charset-not-utf8`: the encoding a page declares."""

from __future__ import annotations

import re

from siteaudit.model import Page

_PARAM = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)


def declared(page: Page) -> tuple[str, str] | None:
    """(charset, where) from the Content-Type header, else from the document; None if neither.

    The header wins, as in the HTML encoding sniffing algorithm.
    """
    found = _PARAM.search(page.header("content-type") or "")
    if found:
        return found.group(1).lower(), "Content-Type header"
    if page.charset:
        return page.charset.lower(), "<meta> element"
    return None
