"""A fetched response (`FetchedPage`) and the model extracted from it (`Page`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from siteaudit.model.refusals import is_refusal

# A page whose HTML nests elements so deep that parsing it could take hours (see
# `pipeline.extraction_nesting`): not parsed.
HTML_TOO_DEEP = "html-too-deep"
# A page whose extraction raised (a fault of siteaudit on its content): kept, not audited.
PROCESSING_FAILED = "processing-failed"
# Error codes of a page fetched fine whose HTML was not audited: its extraction and checks
# passed the page time limit, two worker processes died on it (`crawl.errors.ErrorCode`),
# it was too deeply nested to parse, or its extraction failed. Such a page keeps its HTTP
# facts; it is neither unreachable nor a fetch error.
UNAUDITED = frozenset(
    {"processing-timeout", "processing-crashed", HTML_TOO_DEEP, PROCESSING_FAILED}
)


# Elements of each kind extraction keeps from a page: images, headings, hreflangs,
# canonicals, scripts, <link>s, <meta>s... (links have their own bound, `max_links`). Real
# pages stay far below it (both corpus sites: at most 132 headings and 24 images a page);
# a page within the body cap held 500,000 headings (267 MB and 2.3 s of a worker, and each
# one stored) or 340,000 images (324 MB, 13 s). `Document.truncated` names the kinds cut.
MAX_PER_KIND = 1_000


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


CHECK_ERRORS = "analysis/check-error/"  # + the id of a page check that crashed on a page
UNAUDITED_PAGES = "analysis/unaudited/"  # + the code of a page fetched but not audited
OUTCOME_COUNTERS = ("fetch/status/", CHECK_ERRORS, UNAUDITED_PAGES)  # `outcome_counters`'


def outcome_counters(
    status: int | None, error_code: str | None, crashed_checks: Iterable[str]
) -> list[str]:
    """The scan counters one processed page adds to: its status (else its error code), its
    code when it answered but was not audited (`UNAUDITED`), and each check that crashed on
    it."""
    fetched, crashed, unaudited = OUTCOME_COUNTERS
    names = [f"{fetched}{status or error_code or 'none'}"]
    if status is not None and error_code in UNAUDITED:
        names.append(f"{unaudited}{error_code}")
    return names + [f"{crashed}{check_id}" for check_id in crashed_checks]


# The content codings browsers decode, as Chromium names them, and `identity` (none): with
# any other coding in Content-Encoding they show the body as it came (crawl/decoding.py).
CONTENT_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "identity"})


def unknown_coding(content_encoding: str | None) -> str | None:
    """The first coding of a Content-Encoding value that browsers do not decode, as written
    (`UTF-8`, `none`, `compress`); None when every coding is one they decode."""
    for coding in (content_encoding or "").split(","):
        name = coding.strip()
        if name and name.lower() not in CONTENT_CODINGS:
            return name
    return None


def header_value(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """Join every value of header `name` (case-insensitive) as HTTP does; None when absent."""
    wanted = name.lower()
    values = [value for key, value in headers if key == wanted]
    return ", ".join(values) if values else None


def refresh_url(content: str) -> str | None:
    """The URL a `<meta http-equiv="refresh">` content sends the browser to, as written
    (relative or absolute); None when it only reloads the page.

    As browsers read it (HTML's shared declarative refresh steps): the seconds, then `;` or
    `,`, then the URL, optionally after `url=` and in quotes: "0; url=/en/", "5;URL='x'",
    "0, /en/".
    """
    rest = content.strip().lstrip("0123456789.").lstrip()
    if rest[:1] in (";", ","):
        rest = rest[1:].lstrip()
    if rest[:3].lower() == "url":
        after = rest[3:].lstrip()
        if after[:1] == "=":
            rest = after[1:].lstrip()
    if rest[:1] in ("'", '"'):
        rest = rest[1:].split(rest[0], 1)[0]
    return rest.strip() or None


# Robots directives that keep a page out of the index, or its links from being followed
# ("none" is both).
NOINDEX_DIRECTIVES = frozenset({"noindex", "none"})
NOFOLLOW_DIRECTIVES = frozenset({"nofollow", "none"})
# X-Robots-Tag: the user agents whose directives count ("" for all), as the robots and
# googlebot meta tags do; and the directives that carry a value after a colon.
HEADER_ROBOTS_AGENTS = frozenset({"", "googlebot"})
VALUED_ROBOTS_DIRECTIVES = frozenset(
    {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}
)
NOFOLLOW_RELS = frozenset({"nofollow", "ugc", "sponsored"})  # ugc and sponsored imply nofollow

# Where on its page a link sits: the page region (HTML landmark) around it, the first of
# these that contains it, else "content" (pipeline/extraction.py `_positions`). The order
# is also each position's number in compact storage (model/site.py `LinkTable`).
LINK_POSITIONS = ("content", "navigation", "header", "footer", "aside")
CONTENT = LINK_POSITIONS[0]


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink found on a page; `url` is absolute and normalised, fragment removed."""

    url: str
    text: str = ""
    rel: tuple[str, ...] = ()
    internal: bool = True
    position: str = CONTENT  # one of LINK_POSITIONS

    @property
    def nofollow(self) -> bool:
        """True when rel contains nofollow (or ugc/sponsored, which imply it)."""
        return not NOFOLLOW_RELS.isdisjoint(self.rel)


@dataclass(frozen=True, slots=True)
class Image:
    """An <img> element: `alt` is None when the attribute is absent, '' when empty."""

    src: str
    alt: str | None = None
    width: str | None = None
    height: str | None = None
    srcset: str | None = None  # the raw srcset attribute, None when absent
    loading: str | None = None  # the loading attribute (lazy, eager), lower-cased
    linked: bool = False  # inside an <a href>


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
class Script:
    """A <script> element: external (`src`) or inline (`inline_bytes` of code)."""

    src: str | None
    in_head: bool = False
    is_async: bool = False
    is_defer: bool = False
    is_module: bool = False
    type: str = ""
    inline_bytes: int = 0
    integrity: str | None = None
    crossorigin: str | None = None


@dataclass(frozen=True, slots=True)
class Stylesheet:
    """A <link rel=stylesheet>."""

    href: str
    in_head: bool = True
    media: str = ""
    integrity: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """A subresource the page loads: kind is script, stylesheet, image, iframe, media, font,
    or other; `url` is absolute."""

    kind: str
    url: str


@dataclass(frozen=True, slots=True)
class LinkRel:
    """A <link> element (other than stylesheets): rel tokens, absolute href, and attributes."""

    rel: tuple[str, ...]
    href: str
    hreflang: str | None = None
    type: str | None = None
    media: str | None = None


@dataclass(frozen=True, slots=True)
class StructuredItem:
    """One top-level structured-data item: its syntax, schema.org types and properties.

    `properties` maps property names to their values flattened to text (nested items as their
    @type); `raw` holds the JSON-LD block or a short source excerpt for evidence.
    """

    syntax: str  # "json-ld" | "microdata" | "rdfa"
    types: tuple[str, ...]
    properties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Element:
    """A located element for accessibility findings: a CSS-like locator and a snippet."""

    locator: str
    snippet: str = ""


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
    canonicals: tuple[str, ...] = ()  # the HTML's <link rel=canonical>, then the Link header's
    lang: str | None = None
    charset: str | None = None
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
    links_truncated: bool = False  # more distinct links than the extractor's bound
    # Kinds of elements ("images", "headings"...) the page had more of than extraction keeps
    # (its first `MAX_PER_KIND` each); not stored, like `links_truncated`.
    truncated: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    hreflangs: tuple[Hreflang, ...] = ()
    base_href: str | None = None
    word_count: int = 0
    text_bytes: int = 0
    # Document structure and resources (performance, security, best practice).
    doctype: str | None = None  # the doctype name ("html"); None when there is none
    dom_nodes: int = 0  # element count
    dom_depth: int = 0  # deepest element nesting
    scripts: tuple[Script, ...] = ()
    stylesheets: tuple[Stylesheet, ...] = ()
    resources: tuple[Resource, ...] = ()  # every subresource URL (scripts, css, images, ...)
    link_rels: tuple[LinkRel, ...] = ()  # every other <link> (prev/next, icon, alternate...)
    inline_style_bytes: int = 0
    # Structured data.
    structured_data: tuple[StructuredItem, ...] = ()
    structured_data_errors: tuple[str, ...] = ()  # e.g. invalid JSON-LD, with the reason
    # Accessibility without a browser.
    unlabelled_controls: tuple[Element, ...] = ()  # form controls with no accessible name
    empty_buttons: tuple[Element, ...] = ()
    empty_links: tuple[Element, ...] = ()  # <a href> with no text, aria-label or img alt
    duplicate_ids: tuple[str, ...] = ()
    positive_tabindex: tuple[Element, ...] = ()
    landmarks: frozenset[str] = frozenset()  # main, nav, banner, contentinfo, ...
    iframes_without_title: tuple[Element, ...] = ()
    # Content.
    main_text_bytes: int = 0  # text inside <main>/<article> (or the body without nav/footer)
    simhash: int | None = None  # 64-bit simhash of the visible text, for near duplicates
    sentences: int = 0
    syllables: int = 0  # for Flesch reading ease with prose_words and sentences
    # Added by the content and accessibility checks (issue 4).
    prose_words: int = 0  # words of the paragraph-like blocks sentences/syllables count
    tables_without_headers: tuple[Element, ...] = ()  # data tables with no <th>
    placeholder_text: str | None = None  # an excerpt around "lorem ipsum" in the visible text

    def header(self, name: str) -> str | None:
        """The value of response header `name`; None when absent."""
        return header_value(self.headers, name)

    @property
    def refused_elsewhere(self) -> bool:
        """Whether its redirects ended on another host with an answer that turns automated
        clients away (`model.refusals.is_refusal`: HTTP 999, a 429 that outlasted every try,
        a bot-protection challenge), as a site's `/go/linkedin` does: where it leads a
        visitor is not known, and it is not the site's own answer."""
        if not self.redirects or not is_refusal(self.status, self.header):
            return False
        try:
            return urlsplit(self.final_url).hostname != urlsplit(self.url).hostname
        except ValueError:  # not a URL urlsplit reads (the fetcher followed it, though)
            return False

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
        return self.meta_robots_directives | self.header_robots_directives

    @property
    def meta_robots_directives(self) -> frozenset[str]:
        """Directives of the robots and googlebot meta tags, lower-cased."""
        return frozenset(d.strip().lower() for d in self.meta_robots if d.strip())

    @property
    def header_robots_directives(self) -> frozenset[str]:
        """Directives of X-Robots-Tag for every crawler or for Googlebot, lower-cased, as
        the meta tags are read (robots and googlebot): "googlebot: noindex" is noindex,
        "otherbot: noindex" is another crawler's. A user agent prefix applies to the
        directives after it in that header; "max-snippet: 20" is a directive, not one."""
        found: set[str] = set()
        for name, value in self.headers:
            if name != "x-robots-tag":
                continue
            agent = ""
            for part in value.lower().split(","):
                directive = part.strip()
                prefix, colon, rest = directive.partition(":")
                if colon and prefix.strip() not in VALUED_ROBOTS_DIRECTIVES:
                    agent, directive = prefix.strip(), rest.strip()
                if agent in HEADER_ROBOTS_AGENTS and directive:
                    found.add(directive)
        return frozenset(found)

    @property
    def is_https(self) -> bool:
        """True when the final URL uses https."""
        return self.final_url.startswith("https://")
