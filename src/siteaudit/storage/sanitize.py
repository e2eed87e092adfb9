"""Make text that a crawled site controls safe to store in SQLite and PostgreSQL.

PostgreSQL rejects NUL (U+0000) in `text` and `json` values, and neither database can
encode a lone UTF-16 surrogate (Python strings carry them when a page was decoded with
`surrogateescape`, or from JSON escapes). Both become U+FFFD REPLACEMENT CHARACTER; a
correctly paired surrogate pair is joined back into the character it encodes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """`value` with NUL bytes and unpaired surrogates replaced by U+FFFD."""
    if _UNSAFE.search(value) is None:
        return value  # the common case: no copy
    value = value.replace("\x00", REPLACEMENT)
    # Round-tripping through UTF-16 joins surrogate pairs and replaces the lone ones.
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_optional(value: str | None) -> str | None:
    """`clean_text` that lets None through."""
    return None if value is None else clean_text(value)


def clean_json(value: object) -> object:
    """A JSON-ready copy of `value` with every string (keys too) cleaned; tuples become lists."""
    # The exact types a page's rows hold, tested first: the ABC checks below cost several
    # times more, and a page's headers alone make some thirty calls.
    if type(value) is str:
        return clean_text(value)
    if type(value) is tuple or type(value) is list:
        return [clean_json(item) for item in value]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(key)): clean_json(item) for key, item in value.items()}
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes):
        return [clean_json(item) for item in value]
    return value
