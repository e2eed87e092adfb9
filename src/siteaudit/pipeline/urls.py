"""URL normalisation and scope: which URLs are the same page, and which belong to the scan.

Normalisation follows RFC 3986 §6.2.2 (case, percent-encoding, dot segments) plus the
scheme-based rules of §6.2.3 (default ports, empty path), and drops the fragment. It does
not sort query parameters: servers may treat their order as meaningful, and an audit must
request the URL the site actually links to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

SUPPORTED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 unreserved and sub-delimiter characters and ":/?#@", except "'" (quoted in a
# query), "%" (escapes get normalised), "[]" (quoted outside an IPv6 host) and non-ASCII
# (IDNA, UTF-8 quoting): safe_url_string changes nothing made of these that `normalise`
# keeps (it may quote user info, which `normalise` drops).
_NEEDS_NO_QUOTING = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&()*+,;=]*")


class InvalidURLError(ValueError):
    """A URL that cannot be crawled: malformed, unsupported scheme, or no host."""


def normalise(url: str) -> str:
    """The canonical form of an absolute http(s) URL; raises InvalidURLError otherwise."""
    url = url.strip()
    try:
        # safe_url_string (quoting, IDNA) is the costly step; a URL made only of characters
        # that never need quoting comes out of it unchanged, so it is skipped for those.
        parts = urlsplit(url if _NEEDS_NO_QUOTING.fullmatch(url) else safe_url_string(url))
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError(f"malformed URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SUPPORTED_SCHEMES:
        shown = f"'{scheme}:'" if scheme else "none"
        raise InvalidURLError(f"unsupported URL scheme {shown} in {url!r} (use http or https)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURLError(f"URL {url!r} has no host name")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = remove_dot_segments(parts.path) or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def resolve(base: str, href: str) -> str | None:
    """`href` made absolute against `base` and normalised; None when it is not crawlable."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        return normalise(urljoin(base, href))
    except (InvalidURLError, ValueError):
        return None


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: resolve '.' and '..' segments."""
    if "." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    result = "/".join(output)
    if path.endswith(("/.", "/..")):
        result += "/"
    return result if result.startswith("/") else "/" + result


@lru_cache(maxsize=65_536)  # every link of every page asks: is it internal?
def host_of(url: str) -> str:
    """The lower-case host name of `url`."""
    return (urlsplit(url).hostname or "").lower()


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs a scan crawls: same host (optionally subdomains), include and exclude."""

    host: str
    subdomains: bool = False
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_spec(
        cls,
        start_url: str,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        subdomains: bool = False,
    ) -> Scope:
        """Build a scope around the start URL's host; bad regexes raise InvalidURLError."""
        try:
            return cls(
                host=host_of(start_url),
                subdomains=subdomains,
                include=tuple(re.compile(p) for p in include),
                exclude=tuple(re.compile(p) for p in exclude),
            )
        except re.error as exc:
            raise InvalidURLError(f"invalid include/exclude pattern: {exc}") from exc

    def is_internal(self, url: str) -> bool:
        """True when `url` is on the scanned host (or a subdomain, when allowed)."""
        host = host_of(url)
        return host == self.host or (self.subdomains and host.endswith("." + self.host))

    def allows(self, url: str) -> bool:
        """True when `url` is internal and passes the include and exclude patterns."""
        if not self.is_internal(url):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)
