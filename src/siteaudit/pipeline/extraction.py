"""Extraction: parse a fetched HTML response once into the `Page` model the checks read.

The document is parsed a single time with selectolax's Lexbor backend (a C, WHATWG-conformant
HTML5 parser with a native CSS selector engine), and every field is read with a CSS selector
over that one tree. The tree is mutated only at the very end, to drop invisible elements
before counting words.

Everything here comes from a stranger's page, so it is bounded and cleaned: NUL bytes and
lone surrogates never reach the model, link and heading texts are capped, and the number of
links kept per page is limited (`Page.links_truncated` says when the limit cut some off).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode
from w3lib.encoding import html_body_declared_encoding, read_bom

from siteaudit.model import FetchedPage, Heading, Hreflang, Image, Link, Page
from siteaudit.model.page import CONTENT, HTML_TOO_DEEP, MAX_PER_KIND, header_value
from siteaudit.pipeline import extraction_accessibility as a11y
from siteaudit.pipeline import extraction_resources as res
from siteaudit.pipeline.encodings import codec_for_label
from siteaudit.pipeline.extraction_dom import Document
from siteaudit.pipeline.extraction_nesting import too_deep
from siteaudit.pipeline.extraction_structured import structured_data
from siteaudit.pipeline.extraction_text import text_stats
from siteaudit.pipeline.urls import InvalidURLError, encode_query, join, normalise, query_start

MAX_LINK_TEXT = 200
MAX_HEADING_TEXT = 500
MAX_RAW_SRC = 200  # unresolvable image sources (data: URIs) are kept, but shortened
STRUCTURED_DATA_HINT = (
    'script[type="application/ld+json" i], [itemscope], [itemprop], [typeof], [vocab], '
    "body [property]"
)
ROBOTS_META_NAMES = frozenset({"robots", "googlebot"})
METAS = "<meta> elements"  # their kind in `Page.truncated`
NOT_CRAWLABLE = ("#", "javascript:", "mailto:", "tel:", "data:")  # as pipeline.urls.resolve

_SURROGATE = re.compile("[\ud800-\udfff]")
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)


def extract(
    fetched: FetchedPage,
    *,
    depth: int,
    is_internal: Callable[[str], bool],
    max_links: int = 10_000,
    clean: Callable[[str], str] | None = None,
) -> Page:
    """The `Page` model of one fetched URL.

    Only HTML documents answered 2xx without a redirect are parsed and marked `is_html`.
    Non-HTML responses, failed fetches, error pages and redirected URLs keep just their HTTP
    facts: the HTML checks audit real documents rather than a server's 404 template, and a
    redirect's content belongs to its target, which is crawled as a page of its own.
    `clean` applies the scan's parameter rules to each link (`Scope.clean`).
    """
    if not _is_auditable_html(fetched):
        return http_facts(fetched, depth)
    text, codec = _decoded(fetched.body, fetched.encoding)
    with _query_codec(codec):
        return _extract_html(
            fetched, text, depth=depth, is_internal=is_internal, max_links=max_links, clean=clean
        )


def _extract_html(
    fetched: FetchedPage,
    text: str,
    *,
    depth: int,
    is_internal: Callable[[str], bool],
    max_links: int,
    clean: Callable[[str], str] | None,
) -> Page:
    if too_deep(text):  # Lexbor would take minutes to hours (extraction_nesting.py)
        return unaudited(
            fetched,
            depth,
            HTML_TOO_DEEP,
            "its HTML keeps so many elements open inside each other (tens of thousands of"
            " levels; browsers stop at 512) that parsing it could take hours, so it was not"
            " parsed",
        )
    doc = Document(LexborHTMLParser(text))
    base_href = _base_href(doc, fetched.final_url)
    base = base_href or fetched.final_url
    links, truncated = _links(
        doc, base, is_internal, max_links, clean=clean, positions=_positions(doc)
    )
    meta, robots, charset = _meta(doc)
    titles = doc.css("title:not(svg title)")
    html = doc.css_first("html")
    html_attrs = html.attributes if html is not None else {}
    lang = (html_attrs["lang"] or "") if "lang" in html_attrs else None  # valueless: ""
    structure = _structure(doc, text, base)
    stats = text_stats(doc)  # last: it mutates the tree
    # One construction with every field: `dataclasses.replace` of the HTTP facts' Page cost
    # a second initialisation of all 53 fields (~27 µs a page, ~1% of its processing).
    return Page(
        **_http_fields(fetched, depth),
        **structure,
        word_count=stats.word_count,
        text_bytes=stats.text_bytes,
        main_text_bytes=stats.main_text_bytes,
        simhash=stats.simhash,
        sentences=stats.sentences,
        syllables=stats.syllables,
        prose_words=stats.prose_words,
        placeholder_text=stats.placeholder_text,
        is_html=True,
        title=collapse(titles[0].text()) if titles else None,
        title_count=len(titles),
        meta=meta,
        meta_robots=robots,
        canonicals=_canonicals(doc, base) + _header_canonicals(fetched),
        lang=lang.strip() if lang is not None else None,
        charset=charset,
        headings=_headings(doc),
        links=links,
        links_truncated=truncated,
        images=_images(doc, base),
        hreflangs=_hreflangs(doc, base),
        base_href=base_href,
        truncated=tuple(sorted(doc.truncated)),
    )


def _structure(doc: Document, text: str, base: str) -> dict[str, Any]:
    """The Page fields read from the intact tree: structure, resources, data, accessibility."""
    scripts = res.scripts(doc, base, resolve)
    sheets, link_rels = res.links(doc, base, resolve)
    fields: dict[str, Any] = {
        "doctype": res.doctype(text),
        "dom_nodes": doc.elements,
        "dom_depth": doc.depth,
        "scripts": scripts,
        "stylesheets": sheets,
        "link_rels": link_rels,
        "resources": res.resources(doc, base, resolve, scripts, sheets, link_rels),
        "inline_style_bytes": res.inline_style_bytes(doc),
        "unlabelled_controls": a11y.unlabelled_controls(doc),
        "empty_buttons": a11y.empty_buttons(doc),
        "empty_links": a11y.empty_links(doc),
        "duplicate_ids": a11y.duplicate_ids(doc),
        "positive_tabindex": a11y.positive_tabindex(doc),
        "landmarks": a11y.landmarks(doc),
        "iframes_without_title": a11y.iframes_without_title(doc),
        "tables_without_headers": a11y.tables_without_headers(doc),
    }
    # Most pages carry no structured data: a cheap selector spares them the full pass.
    if doc.css_first(STRUCTURED_DATA_HINT) is not None:
        items, errors = structured_data(doc)
        fields.update(structured_data=items, structured_data_errors=errors)
    return fields


def decode(body: bytes, encoding: str | None) -> str:
    """`body` as text: BOM first, then `encoding`, then the document's own <meta>, then UTF-8.

    Undecodable bytes become U+FFFD; NUL bytes and lone surrogates are removed, so nothing
    downstream (databases, JSON, reports) ever has to cope with them.
    """
    return _decoded(body, encoding)[0]


def _decoded(body: bytes, encoding: str | None) -> tuple[str, str]:
    """`decode`'s text, and the Python codec it decoded with."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        codec, body = bom_encoding, body[len(bom) :]
    else:
        codec = (
            codec_for_label(encoding)
            or codec_for_label(html_body_declared_encoding(body[:4096]))
            or "utf-8"
        )
    # Every codec here is a text encoding browsers know (`codec_for_label`): decoding
    # cannot fail.
    return clean(body.decode(codec, errors="replace")), codec


# The encoding of the page being extracted, in which the non-ASCII characters of its links'
# queries are percent-encoded (`urls.encode_query`); None for UTF-8 (and UTF-16 pages, whose
# URLs browsers encode in UTF-8).
_QUERY_CODEC: ContextVar[str | None] = ContextVar("_QUERY_CODEC", default=None)


@contextlib.contextmanager
def _query_codec(codec: str) -> Iterator[None]:
    token = _QUERY_CODEC.set(None if codec.startswith("utf") else codec)
    try:
        yield
    finally:
        _QUERY_CODEC.reset(token)


def clean(text: str) -> str:
    """`text` without NUL bytes and with lone surrogates replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode()  # a C-speed scan; a regex search costs ten times more
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def collapse(text: str) -> str:
    """`text` with runs of whitespace collapsed to one space and the ends trimmed."""
    return " ".join(text.split())


def content_hash(body: bytes) -> str:
    """The sha256 hex digest of a response body (the artifact key of raw bodies)."""
    return hashlib.sha256(body).hexdigest()


def resolve(base: str, href: str) -> str | None:
    """`pipeline.urls.resolve`, memoised process-wide.

    Resolving and normalising were most of the cost of extraction, and template links
    (menus, footers) repeat on every page of a site: a relative reference is cached by the
    base's directory, which the pages of one folder share, so most links are one lookup.
    """
    href = href.strip()
    if not href or href.startswith(NOT_CRAWLABLE):
        return None
    if not href.isascii() and (codec := _QUERY_CODEC.get()) is not None:
        href = encode_query(href, codec)
    try:
        if href.startswith(("http://", "https://")):
            return _normalised(href)
        if href.startswith("?"):  # the one kind of reference that reads the base's file name
            return _normalised(join(base, href))
        return _joined(directory(base), href)
    except ValueError:
        return None


def directory(url: str) -> str:
    """`url` up to the last "/" of its path: all a relative reference other than "?..." uses.

    RFC 3986 §5.2.3 merges a relative path with the base path minus its last segment, and
    the base's query and fragment play no part, so pages of one folder share the results.
    """
    end = query_start(url)
    slash = url.rfind("/", 0, end)
    authority = url.find("//")
    if slash <= authority + 1:  # no path at all: "http://host"
        return url[:end] + "/"
    return url[: slash + 1]


@lru_cache(maxsize=65_536)  # template links repeat on every page of a folder
def _joined(folder: str, href: str) -> str | None:
    return _normalised(join(folder, href))


@lru_cache(maxsize=65_536)
def _normalised(url: str) -> str | None:
    try:
        return normalise(url)
    except InvalidURLError:
        return None


def _is_auditable_html(fetched: FetchedPage) -> bool:
    ok = fetched.status is not None and 200 <= fetched.status < 300
    return ok and fetched.is_html and not fetched.redirects


def http_facts(fetched: FetchedPage, depth: int) -> Page:
    """The `Page` of a response's HTTP facts only: no HTML read (see `extract`)."""
    return Page(**_http_fields(fetched, depth))


def unaudited(fetched: FetchedPage, depth: int, code: str, why: str) -> Page:
    """The `Page` of a response fetched fine but not audited (`model.page.UNAUDITED`): its
    HTTP facts, `code`, and `why` in words, followed by what it costs."""
    message = f"{why}: its HTML is not audited and its links are not followed"
    return Page(**_http_fields(fetched, depth) | {"error_code": code, "error_message": message})


def _http_fields(fetched: FetchedPage, depth: int) -> dict[str, Any]:
    return {
        "url": fetched.url,
        # Normalised like every URL extraction produces, so checks can compare it with links
        # and canonicals by plain equality.
        "final_url": _normalised(fetched.final_url) or fetched.final_url,
        "status": fetched.status,
        "depth": depth,
        "headers": fetched.headers,
        "redirects": fetched.redirects,
        "content_type": fetched.content_type,
        "size_bytes": len(fetched.body),
        "content_hash": content_hash(fetched.body) if fetched.body else None,
        "ttfb_ms": fetched.ttfb_ms,
        "total_ms": fetched.total_ms,
        "error_code": fetched.error_code,
        "error_message": fetched.error_message,
    }


def _base_href(doc: Document, final_url: str) -> str | None:
    node = doc.css_first("base[href]")
    href = node.attrs.get("href") if node is not None else None
    return resolve(final_url, href) if href else None


def _links(
    doc: Document,
    base: str,
    is_internal: Callable[[str], bool],
    max_links: int,
    *,
    clean: Callable[[str], str] | None,
    positions: dict[int, str],
) -> tuple[tuple[Link, ...], bool]:
    """Distinct crawlable <a href> targets in document order, the first occurrence winning,
    except that a followed link to a URL first linked with rel=nofollow (a menu's nofollow,
    then the same page in the text) replaces it: the page does give that URL a followed
    link, which crawlers follow."""
    links: list[Link] = []
    urls: dict[str, str | None] = {}  # href -> its resolved URL (None: not crawlable)
    kept: dict[str, int] = {}  # URL -> index of its link
    nofollowed: set[str] = set()  # URLs whose kept link is nofollow
    for node in doc.css("a[href]"):
        attrs = node.attrs
        href = attrs.get("href")
        if not href:
            continue
        # The same href string repeats a lot (menus, footers): resolved once.
        if href in urls:
            url = urls[href]
        else:
            url = resolve(base, href)
            if url is not None and clean is not None:
                url = clean(url)
            urls[href] = url
        if url is None or (url in kept and url not in nofollowed):
            continue
        rel = attrs.get("rel")
        link = Link(
            url=url,
            text=_link_text(doc, node),
            rel=tuple(rel.lower().split()) if rel else (),
            internal=is_internal(url),
            position=positions.get(node.mem_id, CONTENT) if positions else CONTENT,
        )
        if url in kept:
            if url in nofollowed and not link.nofollow:
                links[kept[url]] = link
                nofollowed.discard(url)
            continue
        if len(links) >= max_links:
            return tuple(links), True
        kept[url] = len(links)
        links.append(link)
        if link.nofollow:
            nofollowed.add(url)
    return tuple(links), False


# The page regions a link can sit in: the HTML landmark element and the ARIA role that make
# each, in the order that decides for a link inside several (a <nav> in a <footer> is
# navigation), as link-position reports of crawlers such as Screaming Frog do.
_REGIONS = (
    ("navigation", "nav", "navigation"),
    ("header", "header", "banner"),
    ("footer", "footer", "contentinfo"),
    ("aside", "aside", "complementary"),
)


def _positions(doc: Document) -> dict[int, str]:
    """The region of each link inside one, by node id (`LexborNode.mem_id`); a link outside
    every region is content.

    One query per region the page has: the landmark elements it has are known from the
    document's walk, and role attributes are looked for only when an element has one (one
    query that stops at the first, some 30 µs on a page of the PostgreSQL manual; a
    substring search of the source was half that but missed `ROLE=` and `role = "nav"`).
    """
    has_roles = doc.css_first("[role]") is not None
    found: dict[int, str] = {}
    for name, element, role in _REGIONS:
        selectors = [f"{element} a[href]"] if element in doc.tags else []
        if has_roles:
            selectors.append(f"[role={role} i] a[href]")
        for node in doc.css(", ".join(selectors)) if selectors else ():
            found.setdefault(node.mem_id, name)
    return found


def _link_text(doc: Document, node: LexborNode) -> str:
    """The anchor text or, for a link without text, its accessible name (aria-label, img alt)."""
    text = collapse(node.text(separator=" "))
    if not text:
        text = collapse(node.attrs.get("aria-label") or "")
    if not text:
        image = doc.css_first("img[alt]", within=node)
        text = collapse(image.attrs.get("alt") or "") if image is not None else ""
    return text[:MAX_LINK_TEXT]


def _meta(doc: Document) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """<meta> contents by lower-case name (or http-equiv/property), robots directives, charset.

    The first element of a name wins, as search engines do; robots directives are gathered
    from every robots/googlebot element because crawlers obey their union.
    """
    meta: dict[str, str] = {}
    robots: list[str] = []
    charset: str | None = None
    every = doc.css("meta")
    for node in doc.cap(every, METAS):
        attrs = node.attributes
        content = collapse(attrs.get("content") or "")
        if charset is None and attrs.get("charset"):
            charset = (attrs["charset"] or "").strip().lower()
        key = _meta_key(attrs)
        if not key:
            continue
        meta.setdefault(key, content)
        if key in ROBOTS_META_NAMES:
            robots.extend(_directives(content))
        elif key == "content-type" and charset is None:
            found = _CHARSET_PARAM.search(content)
            charset = found.group(1).lower() if found else None
    if len(every) > MAX_PER_KIND:
        # Past the elements kept, robots directives still count (crawlers obey them
        # wherever they stand): a noindex after 1,000 other <meta>s is a noindex.
        known = set(robots)  # each directive once: a page may repeat them by the thousand
        for node in every[MAX_PER_KIND:]:
            attrs = node.attributes
            if _meta_key(attrs) not in ROBOTS_META_NAMES:
                continue
            for directive in _directives(collapse(attrs.get("content") or "")):
                if directive not in known:
                    known.add(directive)
                    robots.append(directive)
    return meta, tuple(robots), charset


def _meta_key(attrs: dict[str, str | None]) -> str:
    """A <meta>'s name (or http-equiv, or property), lower-case; "" without one."""
    key = attrs.get("name") or attrs.get("http-equiv") or attrs.get("property") or ""
    return key.strip().lower()


def _directives(content: str) -> list[str]:
    return [d.strip().lower() for d in content.split(",") if d.strip()]


def _header_canonicals(fetched: FetchedPage) -> tuple[str, ...]:
    """The canonical URLs of the response's Link header (RFC 8288: `<URL>; rel="canonical"`,
    rel a list of relation types), resolved against the page's URL: search engines read
    them as they read the HTML's. Split, not matched with a regex: the header is the
    server's, and a pattern over it backtracked quadratically on a run of "<"."""
    header = header_value(fetched.headers, "link")
    if header is None or "canonical" not in header.lower():
        return ()
    found = []
    for link in header.split("<")[1:]:
        target, closed, params = link.partition(">")
        for param in params.split(";")[1:] if closed else ():
            name, _, value = param.partition("=")
            rels = value.strip().rstrip(",").strip().strip('"').lower().split()
            if name.strip().lower() == "rel" and "canonical" in rels:
                url = resolve(fetched.final_url, target.strip())
                if url:
                    found.append(url)
    return tuple(found)


def _canonicals(doc: Document, base: str) -> tuple[str, ...]:
    nodes = doc.capped("link[rel~=canonical i][href]", "canonicals")
    hrefs = (node.attrs.get("href") for node in nodes)
    return tuple(url for href in hrefs if href and (url := resolve(base, href)))


def _headings(doc: Document) -> tuple[Heading, ...]:
    # Lexbor returns matches of a selector list in document order.
    return tuple(
        Heading(
            level=int(str(node.tag)[1:]), text=collapse(node.text(separator=" "))[:MAX_HEADING_TEXT]
        )
        for node in doc.capped("h1, h2, h3, h4, h5, h6", "headings")
    )


def _images(doc: Document, base: str) -> tuple[Image, ...]:
    images = []
    # The linked ones among the first images are among the first linked ones.
    linked = {node.mem_id for node in doc.capped("a[href] img", "images")}
    for node in doc.capped("img", "images"):
        # `attributes` maps a valueless attribute (`<img alt>`) to None and omits absent ones;
        # that difference is exactly "decorative" versus "missing alt".
        attrs = node.attributes
        src = (attrs.get("src") or "").strip()
        alt = collapse(attrs.get("alt") or "") if "alt" in attrs else None
        images.append(
            Image(
                src=(resolve(base, src) if src else None) or src[:MAX_RAW_SRC],
                alt=alt,
                width=attrs.get("width"),
                height=attrs.get("height"),
                srcset=attrs.get("srcset"),
                loading=(attrs.get("loading") or "").strip().lower() or None,
                linked=node.mem_id in linked,
            )
        )
    return tuple(images)


def _hreflangs(doc: Document, base: str) -> tuple[Hreflang, ...]:
    found = []
    for node in doc.capped("link[rel~=alternate i][hreflang][href]", "hreflangs"):
        attrs = node.attrs
        url = resolve(base, attrs.get("href") or "")
        if url is not None:
            found.append(Hreflang(lang=(attrs.get("hreflang") or "").strip(), url=url))
    return tuple(found)
