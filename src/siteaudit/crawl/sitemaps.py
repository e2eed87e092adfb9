"""Sitemaps: URLs listed in sitemap files and indexes, read within hard bounds.

Indexes are followed breadth first up to `max_depth` levels and `max_sitemaps` files;
each file is capped at `max_urls_per_file` URLs and `max_bytes` decoded bytes (the
sitemaps.org limits: 50,000 URLs and 50 MiB uncompressed). A gzip body is recognised by its
magic bytes (servers often send `.xml.gz` as application/gzip, not Content-Encoding) and
inflated through the bounded decoder. XML goes through defusedxml with DTDs forbidden, so
an entity-expansion bomb is an error entry rather than a hang. Plain-text sitemaps (one URL
per line) and RSS 2.0 and Atom 1.0 feeds are read too: Google takes all of them as sitemaps.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from siteaudit.crawl.decoding import decode_bytes
from siteaudit.crawl.errors import DecodingError, ErrorCode
from siteaudit.crawl.ports import BodyFetcher
from siteaudit.model.site import SitemapInfo
from siteaudit.pipeline.urls import InvalidURLError, normalise

MIB = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_READ_BYTES = MIB // 2  # see _Reads
# Elements read from one sitemap file at most (about 3 s of parsing): 50,000 entries of a
# few elements each, with room for image and video extensions.
MAX_XML_ELEMENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class SitemapLimits:
    """Bounds of sitemap discovery."""

    max_depth: int = 3
    max_sitemaps: int = 500
    max_urls_per_file: int = 50_000
    max_bytes: int = 50 * MIB
    concurrency: int = 4


@dataclass(frozen=True, slots=True)
class SitemapError:
    """A sitemap that could not be read, or was read only in part, and why."""

    url: str
    message: str


@dataclass(frozen=True, slots=True)
class SitemapResult:
    """Page URLs found (normalised, deduplicated, in order) and the problems met."""

    urls: tuple[str, ...]
    errors: tuple[SitemapError, ...] = ()
    sitemaps: tuple[str, ...] = ()
    files: tuple[SitemapInfo, ...] = ()  # one per sitemap read: status, URL count, bytes


@dataclass(slots=True)
class ParsedSitemap:
    """What one sitemap file held: page URLs (`urlset`) or child sitemaps (`sitemapindex`)."""

    is_index: bool = False
    locs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    status: int | None = None
    size: int = 0  # uncompressed bytes read


async def fetch_sitemap_urls(
    fetcher: BodyFetcher,
    sitemap_urls: list[str] | tuple[str, ...],
    limit: int,
    limits: SitemapLimits | None = None,
) -> SitemapResult:
    """Collect up to `limit` page URLs from `sitemap_urls`, recursing into indexes."""
    limits = limits or SitemapLimits()
    urls: dict[str, None] = {}
    errors: list[SitemapError] = []
    queue = [(url, 0) for url in dict.fromkeys(sitemap_urls)]
    seen = {url for url, _ in queue}
    fetched: list[str] = []
    files: list[SitemapInfo] = []
    while queue and len(urls) < limit and len(fetched) < limits.max_sitemaps:
        size = min(limits.concurrency, limits.max_sitemaps - len(fetched))
        batch, queue = queue[:size], queue[size:]
        parsed = await asyncio.gather(*(_load(fetcher, url, limits) for url, _ in batch))
        for (url, depth), sitemap in zip(batch, parsed, strict=True):
            fetched.append(url)
            files.append(_info(url, sitemap))
            errors.extend(SitemapError(url, problem) for problem in sitemap.problems)
            if not sitemap.is_index:
                _take(urls, sitemap.locs, limit, url, errors)
            elif depth + 1 > limits.max_depth:
                errors.append(SitemapError(url, f"index nested deeper than {limits.max_depth}"))
            else:
                children = [loc for loc in sitemap.locs if loc not in seen]
                seen.update(children)
                queue.extend((child, depth + 1) for child in children)
    if queue:
        errors.append(SitemapError(queue[0][0], f"{len(queue)} sitemaps left unread (limits)"))
    return SitemapResult(tuple(urls), tuple(errors), tuple(fetched), tuple(files))


def _info(url: str, sitemap: ParsedSitemap) -> SitemapInfo:
    error = "; ".join(sitemap.problems) or None
    count = 0 if sitemap.is_index else len(sitemap.locs)
    return SitemapInfo(url=url, status=sitemap.status, urls=count, bytes=sitemap.size, error=error)


def _take(
    urls: dict[str, None], locs: list[str], limit: int, url: str, errors: list[SitemapError]
) -> None:
    for loc in locs:
        if len(urls) >= limit:
            errors.append(SitemapError(url, f"URL limit {limit} reached; the rest was ignored"))
            return
        urls[loc] = None


async def _load(fetcher: BodyFetcher, url: str, limits: SitemapLimits) -> ParsedSitemap:
    page = await fetcher.fetch(url, max_bytes=limits.max_bytes, accept_any_type=True)
    if page.error_code is not None and page.error_code != ErrorCode.TOO_LARGE:
        return ParsedSitemap(
            problems=[f"{page.error_code}: {page.error_message}"], status=page.status
        )
    if page.status is None or not 200 <= page.status < 300:
        return ParsedSitemap(problems=[f"answered HTTP {page.status}"], status=page.status)
    body, problems = page.body, []
    if page.truncated:
        problems.append(f"larger than {limits.max_bytes} bytes; read in part")
    try:
        body, truncated = _gunzip(body, limits.max_bytes)
    except DecodingError as exc:
        return ParsedSitemap(problems=[*problems, str(exc)])
    if truncated:
        problems.append(f"inflates beyond {limits.max_bytes} bytes; read in part")
    sitemap = parse_sitemap(body, limits.max_urls_per_file)
    sitemap.problems[:0] = problems
    sitemap.status, sitemap.size = page.status, len(body)
    return sitemap


def _gunzip(body: bytes, limit: int) -> tuple[bytes, bool]:
    if not body.startswith(GZIP_MAGIC):
        return body, False
    return decode_bytes(body, "gzip", limit)


def parse_sitemap(body: bytes, max_urls: int = 50_000) -> ParsedSitemap:
    """Parse a sitemap body (XML urlset, XML sitemapindex or plain text); never raises."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _parse_xml(body, max_urls)
    return _parse_text(body, max_urls)


def _parse_text(body: bytes, max_urls: int) -> ParsedSitemap:
    sitemap = ParsedSitemap()
    lines = body.decode("utf-8", errors="replace").splitlines()
    _add_locs(sitemap, (line.strip() for line in lines if line.strip()), max_urls)
    return sitemap


def _parse_xml(body: bytes, max_urls: int) -> ParsedSitemap:
    sitemap = ParsedSitemap()
    try:
        _add_locs(sitemap, _xml_locs(body, sitemap), max_urls)
    except defusedxml.DefusedXmlException as exc:
        sitemap.problems.append(f"unsafe XML refused ({type(exc).__name__}): {exc}")
    except ParseError as exc:
        sitemap.problems.append(f"invalid XML: {exc}")
    return sitemap


def _xml_locs(body: bytes, sitemap: ParsedSitemap) -> Iterator[str]:
    """The page (or child sitemap) URLs of an XML sitemap: every <loc> directly in the
    sitemap's namespace (not image:loc and the like), or an RSS 2.0 item's <link>, or an
    Atom 1.0 entry's alternate link (feeds are sitemaps too, as Google reads them)."""
    events = SafeET.iterparse(_Reads(body), events=("start", "end"), forbid_dtd=True)
    _, root = next(events)
    namespace, _, kind = root.tag.rpartition("}")
    sitemap.is_index = kind == "sitemapindex"
    ended = _ended(events, root, sitemap)
    if kind in {"urlset", "sitemapindex"}:
        loc_tag = f"{namespace}}}loc" if namespace else "loc"
        yield from ((element.text or "").strip() for _, element in ended if element.tag == loc_tag)
    elif kind == "rss" and not namespace:
        yield from _feed_links(ended, "item", "link", lambda link: link.text)
    elif root.tag == f"{ATOM}feed":
        yield from _feed_links(ended, f"{ATOM}entry", f"{ATOM}link", _atom_page)
    else:
        raise ParseError(
            f"root element <{kind}> is not a sitemap (urlset, sitemapindex, or an RSS or Atom feed)"
        )


class _Reads:
    """A body for iterparse, `XML_READ_BYTES` at a time whatever size it asks for.

    Expat (2.5 here; 2.6 defers reparsing) parses a token still open when more input comes
    again from the token's start, and iterparse reads 16 KiB at a time: one comment (or
    attribute value, or processing instruction) filling a 49 MB sitemap took 87 s, as many
    passes over it as reads. In 512 KiB reads it takes 3.5 s; larger reads would be faster
    still, but a read's elements are all built before the first is handed over (130,000
    empty ones in 512 KiB, under 30 MB).
    """

    def __init__(self, body: bytes) -> None:
        self._body = io.BytesIO(body)

    def read(self, _size: int = -1) -> bytes:
        return self._body.read(XML_READ_BYTES)


def _ended(
    events: Iterator[tuple[str, Element]], root: Element, sitemap: ParsedSitemap
) -> Iterator[tuple[Element, Element]]:
    """(parent, element) as each element inside `root` ends; the element is then dropped
    from its parent, so memory stays flat whatever the file's shape (entries of 50,000 URLs,
    or a million empty elements inside one). Past `MAX_XML_ELEMENTS` elements the rest of
    the file is left unread, with a problem."""
    open_elements = [root]
    count = 0
    for event, element in events:
        if event == "start":
            open_elements.append(element)
            count += 1
            if count > MAX_XML_ELEMENTS:
                sitemap.problems.append(
                    f"more than {MAX_XML_ELEMENTS:,} XML elements; the rest was ignored"
                )
                return
            continue
        open_elements.pop()
        if not open_elements:
            return  # the root ended
        parent = open_elements[-1]
        yield parent, element
        del parent[-1]  # an element ends after its children, before its next sibling starts


def _feed_links(
    ended: Iterator[tuple[Element, Element]],
    entry_tag: str,
    link_tag: str,
    page_of: Callable[[Element], str | None],
) -> Iterator[str]:
    """The page URL of each `link_tag` element directly in an `entry_tag` element."""
    for parent, element in ended:
        if element.tag == link_tag and parent.tag == entry_tag:
            url = page_of(element)
            if url:
                yield url.strip()


def _atom_page(link: Element) -> str | None:
    """An Atom link's URL when it names the entry's page (rel "alternate", the default)."""
    return link.get("href") if link.get("rel", "alternate") == "alternate" else None


def _add_locs(sitemap: ParsedSitemap, locs: Iterable[str], max_urls: int) -> None:
    """Normalise and keep `locs` up to `max_urls`; a parse error mid-way keeps the earlier."""
    invalid = 0
    try:
        for loc in locs:
            if len(sitemap.locs) >= max_urls:
                sitemap.problems.append(f"more than {max_urls} URLs; the rest was ignored")
                break
            try:
                sitemap.locs.append(normalise(loc))
            except InvalidURLError:
                invalid += 1
    finally:
        if invalid:
            sitemap.problems.append(f"{invalid} invalid <loc> values skipped")
