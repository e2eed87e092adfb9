"""Shared by the `robots-txt-*` checks: where robots.txt lives and its lines as rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class Line:
    """One meaningful line of robots.txt: its number, lower-case field and value.

    `field` is None for a line that is not `field: value` (no colon).
    """

    number: int
    field: str | None
    value: str
    text: str


def robots_url(start_url: str) -> str:
    """The robots.txt URL of the start URL's origin."""
    parts = urlsplit(start_url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def lines(text: str) -> Iterator[Line]:
    """Non-blank lines with comments removed, split into field and value (RFC 9309 §2.2)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        name, colon, value = content.partition(":")
        field = name.strip().lower() if colon else None
        yield Line(number, field, value.strip(), raw.strip())
