"""Shared by `charset` and `charset-not-utf8`: the encodings a page declares, and the one a
browser goes by."""

from __future__ import annotations

import re

from siteaudit.model import Page
from siteaudit.model.encodings import whatwg_codec

_PARAM = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)
HEADER = "Content-Type header"
META = "<meta> element"


def declarations(page: Page) -> list[tuple[str, str]]:
    """(label, where) of each declaration: the Content-Type header's, then the document's."""
    found = []
    param = _PARAM.search(page.header("content-type") or "")
    if param:
        found.append((param.group(1).lower(), HEADER))
    if page.charset:
        found.append((page.charset.lower(), META))
    return found


def declared(page: Page) -> tuple[str, str, str] | None:
    """(label, where, Python codec) of the declaration a browser goes by: the header's
    unless browsers do not know its label (then they read the document's), as in the HTML
    encoding sniffing algorithm; None when no declaration means anything to a browser."""
    for label, where in declarations(page):
        codec = whatwg_codec(label)
        if codec is not None:
            return label, where, codec
    return None
