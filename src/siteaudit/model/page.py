"""A fetched response (`FetchedPage`) and the model extracted from it (`Page`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RedirectHop:
    """One hop of a redirect chain: the URL asked for, its status and where it pointed."""

    url: str
    status: int
    location: str


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """The raw outcome of fetching one URL, before any parsing.

    `headers` are (lower-case name, value) pairs in arrival order so that repeated headers
    such as Set-Cookie survive. `error_code` is a stable machine code (`timeout`,
    `too-large`, `ssrf-blocked`, ...) when no usable response arrived.
    """

    url: str
    final_url: str
    status: int | None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    redirects: tuple[RedirectHop, ...] = ()
    ttfb_ms: float | None = None
    total_ms: float | None = None
    encoding: str | None = None
    truncated: bool = False
    error_code: str | None = None
    error_message: str | None = None

    def header(self, name: str) -> str | None:
        """The value of header `name`, repeated values joined with ', '; None when absent."""
        return header_value(self.headers, name)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when absent)."""
        raw = self.header("content-type") or ""
        return raw.split(";", 1)[0].strip().lower()

    @property
    def is_html(self) -> bool:
        """True when the response is an HTML document we can parse."""
        return self.status is not None and self.content_type in {
            "text/html",
            "application/xhtml+xml",
        }


def header_value(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """Join every value of header `name` (case-insensitive) as HTTP does; None when absent."""
    wanted = name.lower()
    values = [value for key, value in headers if key == wanted]
    return ", ".join(values) if values else None


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink found on a page; `url` is absolute and normalised, fragment removed."""

    url: str
    text: str = ""
    rel: tuple[str, ...] = ()
    internal: bool = True

    @property
    def nofollow(self) -> bool:
        """True when rel contains nofollow (or ugc/sponsored, which imply it)."""
        return bool({"nofollow", "ugc", "sponsored"} & set(self.rel))


@dataclass(frozen=True, slots=True)
class Image:
    """An <img> element: `alt` is None when the attribute is absent, '' when empty."""

    src: str
    alt: str | None = None
    width: str | None = None
    height: str | None = None


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading element h1-h6 and its text."""

    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Hreflang:
    """A <link rel=alternate hreflang=...> annotation."""

    lang: str
    url: str


@dataclass(frozen=True, slots=True)
class Page:
    """Everything the checks need to know about one URL, parsed once.

    Non-HTML responses and failed fetches are Pages too (with `is_html` False), so that
    HTTP-level checks see every URL of the crawl.
    """

    url: str
    final_url: str
    status: int | None
    depth: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    redirects: tuple[RedirectHop, ...] = ()
    content_type: str = ""
    size_bytes: int = 0
    content_hash: str | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    is_html: bool = False
    title: str | None = None
    title_count: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    meta_robots: tuple[str, ...] = ()
    canonicals: tuple[str, ...] = ()
    lang: str | None = None
    charset: str | None = None
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
    links_truncated: bool = False  # more distinct links than the extractor's bound
    images: tuple[Image, ...] = ()
    hreflangs: tuple[Hreflang, ...] = ()
    base_href: str | None = None
    word_count: int = 0
    text_bytes: int = 0

    def header(self, name: str) -> str | None:
        """The value of response header `name`; None when absent."""
        return header_value(self.headers, name)

    @property
    def meta_description(self) -> str | None:
        """Content of <meta name=description>, None when the element is absent."""
        return self.meta.get("description")

    @property
    def viewport(self) -> str | None:
        """Content of <meta name=viewport>, None when the element is absent."""
        return self.meta.get("viewport")

    @property
    def h1s(self) -> tuple[str, ...]:
        """Texts of every <h1>."""
        return tuple(h.text for h in self.headings if h.level == 1)

    @property
    def robots_directives(self) -> frozenset[str]:
        """Directives from meta robots and X-Robots-Tag, lower-cased."""
        found = {d.strip().lower() for d in self.meta_robots if d.strip()}
        header = self.header("x-robots-tag")
        if header:
            found |= {d.strip().lower() for d in header.split(",") if d.strip()}
        return frozenset(found)

    @property
    def is_https(self) -> bool:
        """True when the final URL uses https."""
        return self.final_url.startswith("https://")
