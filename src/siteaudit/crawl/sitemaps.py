"""Sitemaps: URLs listed in sitemap files and indexes, read within hard bounds.

Indexes are followed breadth first up to `max_depth` levels and `max_sitemaps` files, and
no file is asked for once `time_limit_s` has passed (500 files answering at the 30 s fetch
deadline, four at a time, would hold a scan an hour before its first page). Each file is
capped at `max_urls_per_file` URLs and `max_bytes` decoded bytes (the sitemaps.org limits:
50,000 URLs and 50 MiB uncompressed). A gzip body is recognised by its magic bytes (servers often
send `.xml.gz` as application/gzip, not Content-Encoding) and inflated through the bounded
decoder. XML goes through defusedxml with DTDs forbidden, so an entity-expansion bomb is an
error entry rather than a hang. Plain-text sitemaps (one URL per line) and RSS 2.0 and Atom
1.0 feeds are read too: Google takes all of them as sitemaps.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import errors as expat_errors

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
# The parser is fed this much at a time. Expat (2.5 here; 2.6 defers reparsing) parses a
# token still open when more input comes again from the token's start: a 49 MB comment fed
# 16 KiB at a time (iterparse's reads) took 87 s, as many passes over it as reads.
XML_READ_BYTES = MIB // 2
# One token (a comment, an attribute value, a processing instruction) is held whole by the
# parser until it ends; nothing in a sitemap comes near this (a URL is at most 2,048 bytes).
MAX_TOKEN_BYTES = 4 * MIB
MAX_LOC_CHARS = 64 * 1024  # a longer <loc> is skipped, and its text not kept
# Elements read from one sitemap file at most (about 3 s of parsing): 50,000 entries of a
# few elements each, with room for image and video extensions.
MAX_XML_ELEMENTS = 1_000_000
# Elements open at once at most: a sitemap nests 4 deep (urlset, url, image:image,
# image:loc), a feed as many; a million nested elements held 150 MB of parser state.
MAX_XML_DEPTH = 64
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_INVALID_TOKEN = expat_errors.codes[expat_errors.XML_ERROR_INVALID_TOKEN]
_UNDEFINED_ENTITY = expat_errors.codes[expat_errors.XML_ERROR_UNDEFINED_ENTITY]
_REJECTED = "so search engines reject the whole sitemap"
# An & that begins no reference (`?a=1&b=2`), and an HTML entity XML does not define.
_BARE_AMPERSAND = re.compile(rb"&(?![A-Za-z][A-Za-z0-9._-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")
_HTML_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z][A-Za-z0-9]{0,31};")
_MISPLACED_DECLARATION = expat_errors.codes[expat_errors.XML_ERROR_MISPLACED_XML_PI]
# Whitespace before the XML declaration (after a byte order mark, if any): a blank line a
# PHP file printed before the sitemap, WordPress's classic. Not well-formed XML.
_LEADING_WHITESPACE = re.compile(rb"(?:\xef\xbb\xbf)?([ \t\r\n]+)<\?xml[ \t\r\n]")


@dataclass(frozen=True, slots=True)
class SitemapLimits:
    """Bounds of sitemap discovery."""

    max_depth: int = 3
    max_sitemaps: int = 500
    max_urls_per_file: int = 50_000
    max_bytes: int = 50 * MIB
    concurrency: int = 4
    time_limit_s: float = 120.0  # no file is asked for past it
    # A file fetched beside others is read up to this many bytes; a larger one is fetched
    # again on its own, up to `max_bytes`, and so are the files after it (a site with one
    # large sitemap usually has more): memory holds one large sitemap at a time.
    shared_bytes: int = 8 * MIB


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
    queue = [_Queued(url, 0) for url in dict.fromkeys(sitemap_urls)]
    seen = {item.url for item in queue}
    fetched: list[str] = []
    files: list[SitemapInfo] = []
    large = False  # a file was too large to read beside others: the site's are read alone
    deadline = time.monotonic() + limits.time_limit_s
    while queue and len(urls) < limit and len(fetched) < limits.max_sitemaps:
        if time.monotonic() >= deadline:
            why = f"time limit of {limits.time_limit_s:g} s"
            errors.append(SitemapError(queue[0].url, f"{len(queue)} sitemaps left unread ({why})"))
            return SitemapResult(tuple(urls), tuple(errors), tuple(fetched), tuple(files))
        alone = large or queue[0].alone
        size = 1 if alone else min(limits.concurrency, limits.max_sitemaps - len(fetched))
        batch, queue = queue[:size], queue[size:]
        cap = limits.max_bytes if len(batch) == 1 else min(limits.shared_bytes, limits.max_bytes)
        parsed = await asyncio.gather(*(_load(fetcher, item.url, limits, cap) for item in batch))
        again: list[_Queued] = []  # too large to read beside others
        for item, sitemap in zip(batch, parsed, strict=True):
            if sitemap is None:
                again.append(_Queued(item.url, item.depth, alone=True))
                large = True
                continue
            url, depth = item.url, item.depth
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
                queue.extend(_Queued(child, depth + 1) for child in children)
        queue[:0] = again
    if queue:
        errors.append(SitemapError(queue[0].url, f"{len(queue)} sitemaps left unread (limits)"))
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


@dataclass(frozen=True, slots=True)
class _Queued:
    url: str
    depth: int
    alone: bool = False  # larger than `SitemapLimits.shared_bytes`: fetched on its own


async def _load(
    fetcher: BodyFetcher, url: str, limits: SitemapLimits, cap: int
) -> ParsedSitemap | None:
    """The sitemap at `url` read up to `cap` bytes; None when it is larger and `cap` is
    less than the limit (it is then fetched again on its own)."""
    page = await fetcher.fetch(url, max_bytes=cap, accept_any_type=True)
    if cap < limits.max_bytes and (page.truncated or page.error_code == ErrorCode.TOO_LARGE):
        return None
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
    # (A UTF-16 file, rare but valid XML, begins with its byte order mark; expat reads it.)
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or body.startswith(_UTF16_BOMS):
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
        sitemap.problems.append(_xml_problem(body, exc))
    return sitemap


def _xml_problem(body: bytes, exc: ParseError) -> str:
    """What is wrong with a sitemap the parser refused, in words a site owner acts on: the
    three mistakes sitemap writers make most, else the parser's own words."""
    code = getattr(exc, "code", None)
    leading = _LEADING_WHITESPACE.match(body)
    if leading is not None and code == _MISPLACED_DECLARATION:
        count = len(leading.group(1))
        return (
            f"{count} {'byte' if count == 1 else 'bytes'} of whitespace before the XML"
            " declaration (a blank line or spaces printed first, often by a PHP file): not"
            f" well-formed XML, {_REJECTED}"
        )
    if code is None:  # raised by `_Locs` (not a sitemap), not by the parser
        return f"invalid XML: {exc}"
    line, _column = exc.position
    text = _line(body, line)
    if code == _INVALID_TOKEN and (bare := _BARE_AMPERSAND.search(text)) is not None:
        return (
            f"an unescaped & at line {line} ({_excerpt(text, bare.start())}; write it"
            f" &amp;): not well-formed XML, {_REJECTED}"
        )
    if code == _UNDEFINED_ENTITY and (entity := _HTML_ENTITY.search(text)) is not None:
        return (
            f"the entity {entity.group().decode('ascii')} at line {line}, which XML does not"
            f" define (write the character itself): not well-formed XML, {_REJECTED}"
        )
    return f"invalid XML: {exc}"


def _line(body: bytes, number: int) -> bytes:
    """Line `number` (1-based) of `body`, at most 2 KB of it."""
    start = 0
    for _ in range(number - 1):
        start = body.find(b"\n", start) + 1
        if start == 0:
            return b""
    end = body.find(b"\n", start)
    return body[start : end if end != -1 else len(body)][:2048]


def _excerpt(text: bytes, at: int) -> str:
    """Up to 40 characters of `text` around byte `at`, quoted."""
    piece = text[max(at - 20, 0) : at + 20].decode("utf-8", "replace").strip()
    return repr(piece)


def _xml_locs(body: bytes, sitemap: ParsedSitemap) -> Iterator[str]:
    """The page (or child sitemap) URLs of an XML sitemap: every <loc> directly in the
    sitemap's namespace (not image:loc and the like), or an RSS 2.0 item's <link>, or an
    Atom 1.0 entry's alternate link (feeds are sitemaps too, as Google reads them).

    The body is fed to the parser `XML_READ_BYTES` at a time and the URLs of each part are
    handed over before the next is parsed; no tree is built (see `_Locs`).
    """
    target = _Locs()
    parser = SafeET.DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        yield from _fed(parser, target, body, sitemap)
    finally:
        sitemap.is_index = target.kind == "sitemapindex"
        if target.too_long:
            sitemap.problems.append(
                f"{_locs(target.too_long)} longer than {MAX_LOC_CHARS:,} characters skipped"
            )


def _fed(
    parser: SafeET.DefusedXMLParser, target: _Locs, body: bytes, sitemap: ParsedSitemap
) -> Iterator[str]:
    stalled = 0  # bytes fed since the parser last reported anything
    for start in range(0, len(body), XML_READ_BYTES):
        chunk = body[start : start + XML_READ_BYTES]
        try:
            parser.feed(chunk)
        except _StopReadingError as stop:
            yield from target.take()
            sitemap.problems.append(f"{stop}; the rest was ignored")
            return
        except ParseError:
            if not target.ended:  # (what follows the root element is not read)
                yield from target.take()  # the URLs before the error are kept
                raise
        yield from target.take()
        if target.ended:
            return
        stalled = 0 if target.reported() else stalled + len(chunk)
        if stalled > MAX_TOKEN_BYTES:
            sitemap.problems.append(
                f"one piece of markup (a comment, an attribute value or the like) is longer"
                f" than {MAX_TOKEN_BYTES // MIB} MiB; the rest was ignored"
            )
            return
    parser.close()  # raises for a document that ends early
    yield from target.take()


class _StopReadingError(Exception):
    """Raised from the parser's start handler past a bound: the parse stops, and the
    message says which bound."""


class _Locs:
    """A parser target that keeps the sitemap's URLs and nothing else.

    The parser calls `start`, `data` and `end` as it reads; no element is kept, so memory
    stays flat whatever the file's shape (50,000 entries, or a million empty elements inside
    one; elements nested deeper than `MAX_XML_DEPTH` end the file), and a URL's text stops
    growing at `MAX_LOC_CHARS`. Comments and processing instructions have no handler here,
    so the parser never makes strings of them.
    """

    def __init__(self) -> None:
        self.kind = ""  # the root element's local name
        self.elements = 0  # inside the root element
        self.ended = False  # the root element has ended
        self.too_long = 0  # URLs longer than MAX_LOC_CHARS, not kept
        self._found: list[str] = []
        self._open: list[str] = []  # tags of the elements open, outermost first
        self._wanted: tuple[str, str] | None = None  # (URL tag, its parent's tag or "")
        self._text: list[str] | None = None  # the text of the URL element being read
        self._size = 0
        self._events = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._events += 1
        if not self._open:
            self._root(tag)
        else:
            self.elements += 1
            if self.elements > MAX_XML_ELEMENTS:
                raise _StopReadingError(f"more than {MAX_XML_ELEMENTS:,} XML elements")
            if len(self._open) >= MAX_XML_DEPTH:
                raise _StopReadingError(f"elements nested more than {MAX_XML_DEPTH} deep")
            if self._text is not None:
                self._keep()  # a URL's text is what comes before its first child
            if self._is_wanted(tag):
                self._want(tag, attrib)
        self._open.append(tag)

    def data(self, text: str) -> None:
        self._events += 1
        if self._text is not None and self._size < MAX_LOC_CHARS:
            self._text.append(text)
            self._size += len(text)

    def end(self, tag: str) -> None:
        self._events += 1
        self._open.pop()
        if self._text is not None:
            self._keep()
        self.ended = not self._open

    def close(self) -> None:
        return None

    def take(self) -> list[str]:
        """The URLs read since the last call."""
        found, self._found = self._found, []
        return found

    def reported(self) -> bool:
        """True when the parser called this target since the last call."""
        events, self._events = self._events, 0
        return events > 0

    def _root(self, tag: str) -> None:
        namespace, _, self.kind = tag.rpartition("}")
        if self.kind in {"urlset", "sitemapindex"}:
            self._wanted = (f"{namespace}}}loc" if namespace else "loc", "")
        elif self.kind == "rss" and not namespace:
            self._wanted = ("link", "item")
        elif tag == f"{ATOM}feed":
            self._wanted = (f"{ATOM}link", f"{ATOM}entry")
        else:
            raise ParseError(
                f"root element <{self.kind}> is not a sitemap (urlset, sitemapindex, or an RSS"
                " or Atom feed)"
            )

    def _is_wanted(self, tag: str) -> bool:
        assert self._wanted is not None
        wanted, parent = self._wanted
        return tag == wanted and (not parent or self._open[-1] == parent)

    def _want(self, tag: str, attrib: dict[str, str]) -> None:
        if tag != f"{ATOM}link":
            self._text, self._size = [], 0  # the URL is the element's text
        elif attrib.get("rel", "alternate") == "alternate" and attrib.get("href"):
            self._found.append(attrib["href"].strip())  # an Atom entry's page

    def _keep(self) -> None:
        assert self._text is not None
        text = "".join(self._text).strip()
        self._text = None
        if self._size >= MAX_LOC_CHARS:
            self.too_long += 1
        elif text:
            self._found.append(text)


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
            sitemap.problems.append(f"{_locs(invalid, 'invalid ')} skipped")


def _locs(count: int, kind: str = "") -> str:
    return f"{count} {kind}<loc> value{'' if count == 1 else 's'}"
