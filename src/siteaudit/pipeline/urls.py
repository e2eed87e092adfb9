"""URL normalisation and scope: which URLs are the same page, and which belong to the scan.

Normalisation follows RFC 3986 §6.2.2 (case; percent-encoding: escapes of unreserved
characters decoded, the others' hex digits upper case; dot segments, escaped ones included)
plus the scheme-based rules of §6.2.3 (default ports, empty path), and drops the fragment.
It does not sort query parameters: servers may treat their order as meaningful, and an audit
must request the URL the site actually links to. Links are resolved as browsers resolve them
(the WHATWG URL standard where it differs from RFC 3986: a backslash before the query is a
slash), so the crawl requests what a visitor's browser would.

A scan may add parameter rules (`Scope.strip_params`): query parameters that never change a
page (campaign tags, click ids, session ids) are removed from the scanned site's URLs, so
that one page is crawled and reported once however many variants link to it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote_from_bytes, unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from siteaudit.model import ScanSpec

SUPPORTED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 unreserved and sub-delimiter characters and ":/?#@", except "'" (quoted in a
# query), "%" (escapes get normalised), "[]" (quoted outside an IPv6 host) and non-ASCII
# (IDNA, UTF-8 quoting): safe_url_string changes nothing made of these that `normalise`
# keeps (it may quote user info, which `normalise` drops).
_NEEDS_NO_QUOTING = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&()*+,;=]*")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A byte that is not UTF-8, as a header's value carries it (aiohttp decodes headers with
# "surrogateescape"): Firefox and curl request such a Location's bytes percent-encoded as
# they came, which reaches the file a server with Latin-1 names meant.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")  # RFC 3986 §2.3
# What a user types for a site without its scheme: "example.com", "localhost:8000/docs".
_BARE_HOST = re.compile(r"[\w-]+(\.[\w-]+)*(:\d+)?([/?#].*)?")
# A host name after IDNA: dot-separated labels of letters, digits, "-" (not at either end)
# and "_" (seen in intranet names); an IPv4 address matches too.
_HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*", re.I)


class InvalidURLError(ValueError):
    """A URL that cannot be crawled: malformed, unsupported scheme, or no host."""


def normalise(url: str) -> str:
    """The canonical form of an absolute http(s) URL; raises InvalidURLError otherwise."""
    url = url.strip()
    try:
        # safe_url_string (quoting, IDNA) is the costly step; a URL made only of characters
        # that never need quoting comes out of it unchanged, so it is skipped for those.
        if not _NEEDS_NO_QUOTING.fullmatch(url):
            url = safe_url_string(_ESCAPED_BYTE.sub(_percent_byte, url))
        parts = urlsplit(url)
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
    path, query = parts.path, parts.query
    if "%" in url:
        path, query = _ESCAPE.sub(_tidy_escape, path), _ESCAPE.sub(_tidy_escape, query)
    path = remove_dot_segments(path) or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _percent_byte(match: re.Match[str]) -> str:
    return f"%{ord(match[0]) - 0xDC00:02X}"


def _tidy_escape(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if char in _UNRESERVED else match[0].upper()


def start_url(text: str) -> str:
    """The normalised start URL of a scan, from what a user typed; InvalidURLError with a
    remedy when it cannot be one.

    Stricter than `normalise`, which takes links as pages write them: a URL without its
    scheme is refused with the two URLs the user may have meant (guessing would audit http
    where https was meant, or the reverse), credentials in the URL are refused (siteaudit
    neither sends nor stores them: `--header` carries an Authorization), and so is a host
    that is not a host name.
    """
    text = text.strip()
    if "://" not in text and _BARE_HOST.fullmatch(text):
        raise InvalidURLError(
            f"{text!r} has no scheme: write https://{text} (or http://{text} for a server"
            " without TLS)"
        )
    url = normalise(text)
    parts = urlsplit(text)
    if parts.username is not None or parts.password is not None:
        raise InvalidURLError(
            "the URL carries a user name or password, which siteaudit does not send (nor"
            " repeat here): give the URL without them, and credentials as a header"
            " (--header 'Authorization: Basic ...')"
        )
    host = host_of(url)
    if ":" not in host and not _HOST_NAME.fullmatch(host):  # IPv6 is vetted by the fetcher
        raise InvalidURLError(f"{host!r} in {text!r} is not a valid host name")
    return url


def resolve(base: str, href: str) -> str | None:
    """`href` made absolute against `base` and normalised; None when it is not crawlable."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        return normalise(join(base, href))
    except (InvalidURLError, ValueError):
        return None


def encode_query(href: str, codec: str) -> str:
    """`href` with the non-ASCII characters of its query percent-encoded in `codec`, as a
    browser encodes a link of a page in that encoding (the URL Standard's query state):
    `?q=日本` on a Shift_JIS page requests `?q=%93%FA%96%7B`, not UTF-8's `%E6%97%A5...`.
    A character `codec` cannot encode becomes an HTML numeric reference first (`€` on that
    page: `%26%238364%3B`), as browsers do. The path and the fragment are always UTF-8.
    """
    end = href.find("#")
    end = len(href) if end < 0 else end
    start = href.find("?", 0, end)
    if start < 0 or href[start:end].isascii():
        return href
    query = _NON_ASCII.sub(
        lambda run: quote_from_bytes(run[0].encode(codec, "xmlcharrefreplace"), safe=""),
        href[start:end],
    )
    return href[:start] + query + href[end:]


def join(base: str, href: str) -> str:
    """`urljoin`, but with a backslash before the query read as a slash, as browsers read
    one in an http(s) URL ("\\docs\\a.html" is "/docs/a.html", not "%5Cdocs%5Ca.html"
    under the base's folder). Raises ValueError as urljoin does."""
    if "\\" in href:
        end = query_start(href)
        href = href[:end].replace("\\", "/") + href[end:]
    return urljoin(base, href)


def query_start(ref: str) -> int:
    """Where the query or the fragment of a URL or reference starts; its length if neither."""
    end = len(ref)
    for mark in ("?", "#"):
        found = ref.find(mark, 0, end)
        if found >= 0:
            end = found
    return end


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
    """The lower-case host name of `url`; "" when it has none, or none can be read from it
    ("http://[::1": a URL as a page wrote it, which no browser could load, is on no host;
    raising here once ended a whole scan, from `Scope.is_internal`)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def strip_params(url: str, patterns: tuple[str, ...]) -> str:
    """`url` without the query parameters whose names match `patterns` (shell-style, any
    case: "utm_*", "sessionid"; "*" drops the whole query). Other parameters keep their
    order and their spelling."""
    base, has_query, query = url.partition("?")
    if not has_query or not patterns:
        return url
    kept = [pair for pair in query.split("&") if pair and not _dropped(patterns, pair)]
    return f"{base}?{'&'.join(kept)}" if kept else base


@lru_cache(maxsize=4096)  # the same parameters repeat on every page
def _dropped(patterns: tuple[str, ...], pair: str) -> bool:
    name = unquote_plus(pair.partition("=")[0]).lower()
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def param_pattern(pattern: str) -> str:
    """A parameter rule checked and lower-cased; ValueError when it could match nothing."""
    cleaned = pattern.strip().lower()
    if not cleaned or any(c in cleaned for c in "&=?#/ "):
        raise ValueError(
            f"{pattern!r} is not a query parameter name (a name such as 'sessionid', or a"
            " pattern such as 'utm_*')"
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs a scan crawls: same host (optionally subdomains), include and exclude;
    and the parameter rules that make its URLs canonical (`clean`)."""

    host: str
    subdomains: bool = False
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    strip_params: tuple[str, ...] = ()

    @classmethod
    def from_spec(
        cls,
        start_url: str,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        subdomains: bool = False,
        strip_params: tuple[str, ...] = (),
    ) -> Scope:
        """Build a scope around the start URL's host; bad regexes and parameter rules raise
        InvalidURLError."""
        try:
            return cls(
                host=host_of(start_url),
                subdomains=subdomains,
                include=tuple(re.compile(p) for p in include),
                exclude=tuple(re.compile(p) for p in exclude),
                strip_params=tuple(param_pattern(p) for p in strip_params),
            )
        except re.error as exc:
            raise InvalidURLError(f"invalid include/exclude pattern: {exc}") from exc
        except ValueError as exc:
            raise InvalidURLError(f"invalid parameter rule: {exc}") from exc

    @classmethod
    def of(cls, spec: ScanSpec) -> Scope:
        """The scope a scan's spec asks for."""
        return cls.from_spec(
            spec.start_url, spec.include, spec.exclude, spec.subdomains, spec.strip_params
        )

    def clean(self, url: str) -> str:
        """`url` with the parameter rules applied when it is internal (links to other sites
        are checked as they are written)."""
        if self.strip_params and "?" in url and self.is_internal(url):
            return strip_params(url, self.strip_params)
        return url

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
        return not self.excludes(url)

    def excludes(self, url: str) -> bool:
        """True when an exclude pattern matches `url`, on any host: such URLs are neither
        crawled nor checked after the crawl."""
        return any(p.search(url) for p in self.exclude)
