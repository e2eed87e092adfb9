"""A slim projection of a whole crawl: what site-level checks look at."""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, compress, count
from typing import NamedTuple, overload

from siteaudit.model.page import CONTENT, LINK_POSITIONS


@dataclass(frozen=True, slots=True)
class SitePage:
    """One crawled URL reduced to what cross-page checks compare."""

    url: str
    final_url: str
    status: int | None
    depth: int
    is_html: bool
    title: str | None = None
    meta_description: str | None = None
    h1s: tuple[str, ...] = ()
    canonical: str | None = None
    content_hash: str | None = None
    noindex: bool = False
    error_code: str | None = None
    found_via: str = "link"  # start, link, redirect or sitemap
    redirect_hops: int = 0
    word_count: int = 0
    simhash: int | None = None
    hreflangs: tuple[tuple[str, str], ...] = ()  # (language code, absolute URL)
    follows_links: bool = True  # its links were followed (no robots nofollow on it)
    # Its redirects ended on another site that turned the crawler away
    # (`Page.refused_elsewhere`): where it leads a visitor is not known.
    refused: bool = False

    @property
    def is_broken(self) -> bool:
        """True for 4xx/5xx answers and for fetches that got no usable answer; not for a
        URL whose redirects ended on another site's refusal (`refused`: not known)."""
        return (self.status is None or self.status >= 400) and not self.refused


class SiteLink(NamedTuple):
    """An internal hyperlink between two URLs of the crawl.

    A named tuple, not a frozen dataclass: `LinkTable` makes one per edge on every pass of
    every site check, and a tuple is built in about half the time.
    """

    source: str
    target: str
    text: str = ""
    nofollow: bool = False
    position: str = CONTENT  # where on the source page (model.page.LINK_POSITIONS)


_NEW_LINK = partial(tuple.__new__, SiteLink)
_POSITION_NUMBER = {name: number for number, name in enumerate(LINK_POSITIONS)}


class LinkTable(Sequence[SiteLink]):
    """Internal links held compactly: each distinct string once, each edge as three integers.

    A 100,000-page crawl has millions of edges; as `SiteLink` objects with their own strings
    they took gigabytes, here about 13 bytes an edge plus the distinct URLs and anchor texts.
    Iteration yields `SiteLink`s made on the fly, so checks read it like a tuple of links.
    """

    __slots__ = (
        "_index",
        "_nofollow",
        "_positions",
        "_sources",
        "_strings",
        "_targets",
        "_texts",
    )

    def __init__(self, links: Iterable[SiteLink] = ()) -> None:
        self._strings: list[str] = []
        self._index: dict[str, int] = {}
        self._sources = array("I")
        self._targets = array("I")
        self._texts = array("I")
        self._nofollow = bytearray()
        self._positions = bytearray()  # each an index into LINK_POSITIONS
        for link in links:
            self.append(
                link.source, link.target, link.text, nofollow=link.nofollow, position=link.position
            )

    def append(
        self,
        source: str,
        target: str,
        text: str = "",
        *,
        nofollow: bool = False,
        position: str = CONTENT,
    ) -> None:
        """Add one edge."""
        self._sources.append(self._intern(source))
        self._targets.append(self._intern(target))
        self._texts.append(self._intern(text))
        self._nofollow.append(nofollow)
        self._positions.append(_POSITION_NUMBER[position])

    def extend(
        self,
        sources: Sequence[str],
        targets: Sequence[str],
        texts: Sequence[str],
        nofollow: Iterable[bool],
        positions: Iterable[str],
    ) -> None:
        """Add many edges given as columns (a chunk of a query's rows), interning in C:
        half the time `append` takes per edge."""
        flags = bytearray(nofollow)
        places = bytearray(map(_POSITION_NUMBER.__getitem__, positions))
        if not len(sources) == len(targets) == len(texts) == len(flags) == len(places):
            raise ValueError("columns of different lengths")
        index, strings = self._index, self._strings
        distinct = dict.fromkeys(chain(sources, targets, texts))  # in order of first use
        fresh = [value for value in distinct if value not in index]
        index.update(zip(fresh, range(len(strings), len(strings) + len(fresh)), strict=True))
        strings.extend(fresh)
        number = index.__getitem__
        self._sources.extend(map(number, sources))
        self._targets.extend(map(number, targets))
        self._texts.extend(map(number, texts))
        self._nofollow.extend(flags)
        self._positions.extend(places)

    def _intern(self, value: str) -> int:
        number = self._index.get(value)
        if number is None:
            number = self._index[value] = len(self._strings)
            self._strings.append(value)
        return number

    def __len__(self) -> int:
        return len(self._sources)

    def columns(self) -> tuple[Sequence[str], Sequence[int], Sequence[int], Sequence[int]]:
        """The strings, and each edge's source and target (indexes into the strings) and
        nofollow flag: a walk over millions of edges without a `SiteLink` each."""
        return self._strings, self._sources, self._targets, self._nofollow

    def __iter__(self) -> Iterator[SiteLink]:
        string = self._strings.__getitem__
        columns = (map(string, self._sources), map(string, self._targets), map(string, self._texts))
        flags, places = map(bool, self._nofollow), map(LINK_POSITIONS.__getitem__, self._positions)
        # Every step runs in C: no Python frame per edge (tuple.__new__ where SiteLink._make
        # would run a Python frame: the five columns always make five fields).
        return map(_NEW_LINK, zip(*columns, flags, places, strict=True))

    @overload
    def __getitem__(self, index: int) -> SiteLink: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SiteLink]: ...

    def __getitem__(self, index: int | slice) -> SiteLink | Sequence[SiteLink]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        strings = self._strings
        return SiteLink(
            strings[self._sources[index]],
            strings[self._targets[index]],
            strings[self._texts[index]],
            bool(self._nofollow[index]),
            LINK_POSITIONS[self._positions[index]],
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LinkTable | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable while it is being filled

    def __repr__(self) -> str:
        return f"<LinkTable of {len(self)} links>"


class BrokenExternal(NamedTuple):
    """A link to another host whose URL answered an error status or could not be reached
    (the check once the crawl ended: `engines/external_links.py`); in
    `Site.unverified_external`, one whose host turned the check away."""

    source: str
    target: str
    text: str
    status: int | None
    error_code: str | None
    position: str = CONTENT


class BrokenResource(NamedTuple):
    """A subresource of a page (`model.page.Resource`: an image, script, stylesheet...)
    whose URL answered an error status or could not be reached (checked once the crawl
    ended: `engines/resources.py`)."""

    page: str
    target: str
    kind: str
    status: int | None
    error_code: str | None


# An image whose file is larger than this is reported by `image-size-large` (the figure
# Screaming Frog and Ahrefs use); the resource checks pass the site checks only these.
LARGE_IMAGE_BYTES = 100 * 1024


def announced_size(status: int | None, content_length: str | None) -> int | None:
    """The body length a successful answer announced in its Content-Length; None for
    another status, no header, or a value that is not a plain count of bytes."""
    if status is None or not 200 <= status < 300:
        return None
    length = (content_length or "").strip()
    return int(length) if length.isdigit() and len(length) < 16 else None


class LargeImage(NamedTuple):
    """An image a page shows whose answer announced more than `LARGE_IMAGE_BYTES`."""

    page: str
    target: str
    size: int


@dataclass(frozen=True, slots=True)
class SitemapInfo:
    """One sitemap file read during discovery."""

    url: str
    status: int | None
    urls: int = 0
    bytes: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """Site-wide files read during discovery: robots.txt, llms.txt and the sitemaps."""

    robots_status: int | None = None
    robots_txt: str | None = None  # the body as read (capped), None when none was served
    llms_status: int | None = None
    llms_txt: str | None = None
    sitemaps: tuple[SitemapInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class Trap:
    """A crawler trap the frontier stopped: which bound, the URL pattern, an example URL."""

    kind: str  # url-length, query-variants, path-pattern, repeated-segments
    pattern: str
    example: str


@dataclass(frozen=True, slots=True)
class Site:
    """Every page and internal link of one scan, and the site-wide files."""

    start_url: str
    pages: tuple[SitePage, ...]
    links: Collection[SiteLink] = ()  # a tuple, or a LinkTable for a crawl of any size
    sitemap_urls: frozenset[str] = field(default_factory=frozenset)
    robots_blocked: frozenset[str] = field(default_factory=frozenset)  # linked, not fetched
    facts: SiteFacts = field(default_factory=SiteFacts)
    traps: tuple[Trap, ...] = ()
    broken_external: tuple[BrokenExternal, ...] = ()  # links to other hosts that failed
    # links to other hosts whose host turned the check away (999, 429, a bot challenge)
    unverified_external: tuple[BrokenExternal, ...] = ()
    broken_resources: tuple[BrokenResource, ...] = ()  # subresources of pages that failed
    large_images: tuple[LargeImage, ...] = ()  # images over LARGE_IMAGE_BYTES, by page

    def page_index(self) -> dict[str, SitePage]:
        """Pages by their requested URL."""
        return {page.url: page for page in self.pages}

    def link_columns(self) -> tuple[Sequence[str], Sequence[int], Sequence[int], Sequence[int]]:
        """`LinkTable.columns` of the links: a walk over millions of edges with integers,
        without a `SiteLink` each."""
        return self._link_table().columns()

    def links_to(self, targets: Collection[str]) -> Iterator[SiteLink]:
        """The links whose target is one of `targets`, in stored order. The few links a
        check reports, found without making a `SiteLink` of every other one: the table's
        target column is matched against the numbers of those strings, in C."""
        if not targets:
            return iter(())
        table = self._link_table()
        strings, _, target_column, _ = table.columns()
        wanted = {number for number, text in enumerate(strings) if text in targets}
        return map(table.__getitem__, compress(count(), map(wanted.__contains__, target_column)))

    def _link_table(self) -> LinkTable:
        # A tuple of links, as tests build, is packed first.
        return self.links if isinstance(self.links, LinkTable) else LinkTable(self.links)

    def with_depths(self, depths: Mapping[str, int]) -> Site:
        """This site with the pages of `depths` at those depths."""
        if not depths:
            return self
        pages = tuple(
            replace(page, depth=depths[page.url]) if page.url in depths else page
            for page in self.pages
        )
        return replace(self, pages=pages)
