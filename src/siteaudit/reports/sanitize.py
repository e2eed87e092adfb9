"""Make text from crawled pages safe to serialise: no lone surrogates, no forbidden controls.

Crawled titles, URLs and evidence may hold anything a server sent. Python strings can carry
lone UTF-16 surrogates (from `surrogateescape` decoding or `\\ud800` JSON escapes) that UTF-8
cannot encode, and control characters that HTML forbids. Every renderer passes text through
here so a hostile page can never make a report unwritable or invalid.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls except TAB, LF and CR, DEL and the C1 range: parse errors in HTML.
_HTML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def fix_surrogates(text: str) -> str:
    """Join surrogate pairs into the character they encode; replace lone ones with U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    # A UTF-16 round trip pairs what can be paired and replaces only what cannot.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_for_html(text: str) -> str:
    """Text that encodes as UTF-8 and holds no character HTML forbids."""
    return _HTML_FORBIDDEN.sub(REPLACEMENT, fix_surrogates(text))


def clean_for_csv(text: str) -> str:
    """Text that encodes as UTF-8 and holds no NUL (which spreadsheet tools choke on)."""
    return fix_surrogates(text).replace("\x00", REPLACEMENT)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "\u2026"
