"""Shared by the `cookie-*` checks: the Set-Cookie headers of a response, parsed (RFC 6265)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from siteaudit.model import Page


@dataclass(frozen=True, slots=True)
class Cookie:
    """One Set-Cookie header: the cookie name, its attributes (lower-case names) and the line."""

    name: str
    attributes: dict[str, str]
    header: str

    @property
    def is_deletion(self) -> bool:
        """True for a header that expires the cookie (Max-Age of zero or less)."""
        max_age = self.attributes.get("max-age", "").strip()
        return max_age.lstrip("-").isdigit() and int(max_age) <= 0


def cookies(page: Page) -> Iterator[Cookie]:
    """Every cookie the response sets, deletions left out (they carry no value to protect)."""
    for name, value in page.headers:
        if name != "set-cookie":
            continue
        pair, *attrs = value.split(";")
        cookie_name = pair.split("=", 1)[0].strip()
        attributes = {}
        for attr in attrs:
            key, _, attr_value = attr.partition("=")
            attributes[key.strip().lower()] = attr_value.strip()
        cookie = Cookie(cookie_name, attributes, value)
        if cookie_name and not cookie.is_deletion:
            yield cookie


def evidence(cookie: Cookie) -> str:
    """The Set-Cookie line with the cookie's value hidden: evidence must not leak sessions."""
    attrs = cookie.header.split(";", 1)[1] if ";" in cookie.header else ""
    return f"Set-Cookie: {cookie.name}=…;{attrs}".rstrip(";")
