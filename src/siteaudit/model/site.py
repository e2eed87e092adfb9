"""A slim projection of a whole crawl: what site-level checks look at."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def is_broken(self) -> bool:
        """True for 4xx/5xx answers and for fetches that got no usable answer."""
        return self.status is None or self.status >= 400


@dataclass(frozen=True, slots=True)
class SiteLink:
    """An internal hyperlink between two URLs of the crawl."""

    source: str
    target: str
    text: str = ""
    nofollow: bool = False


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
    links: tuple[SiteLink, ...] = ()
    sitemap_urls: frozenset[str] = field(default_factory=frozenset)
    robots_blocked: frozenset[str] = field(default_factory=frozenset)  # linked, not fetched
    facts: SiteFacts = field(default_factory=SiteFacts)
    traps: tuple[Trap, ...] = ()

    def page_index(self) -> dict[str, SitePage]:
        """Pages by their requested URL."""
        return {page.url: page for page in self.pages}
