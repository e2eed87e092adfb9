"""The seams of the pipeline: what it needs from the outside world, as Protocols.

Engines and adapters implement these (the aiohttp fetcher in `siteaudit.crawl`, the
SQLAlchemy store in `siteaudit.storage`); tests use the in-memory fakes in
`siteaudit.pipeline.fakes`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from siteaudit.model import FetchedPage, Finding, Page, ScanSpec, ScanStatus
from siteaudit.model.page import CONTENT
from siteaudit.model.report import PageRow, Runner, ScanInfo, ScanReport
from siteaudit.model.site import Site, SiteFacts, Trap


class Fetcher(Protocol):
    """Gets one URL: never raises for a network or server failure, it reports it instead."""

    slowed_down: int  # answers so far that asked to slow down (HTTP 429, 503, a challenge)
    challenged: int  # answers so far that were bot-protection challenges
    dropped: int  # tries so far the server dropped (closed or reset before an answer)
    malformed: int  # answers so far read as browsers read them (`crawl/lenient.py`)

    async def fetch(
        self, url: str, *, max_bytes: int | None = None, accept_any_type: bool = False
    ) -> FetchedPage:
        """Fetch `url`, following redirects hop by hop, within every configured bound.

        Only HTML bodies are read unless `accept_any_type` (robots.txt, sitemaps, llms.txt);
        `max_bytes` overrides the configured cap on the decoded body for this call.
        """
        ...

    async def check(self, url: str) -> FetchedPage:
        """The answer of `url` without its body, redirects followed (HEAD, then GET when
        HEAD is refused)."""
        ...

    def pace(self, origin: str, interval_s: float) -> None:
        """Start requests to `origin` (scheme://host:port) at least `interval_s` apart
        (robots.txt Crawl-delay)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class PageResult:
    """A processed page ready to persist: the model, its findings and N/A check ids."""

    page: Page
    findings: tuple[Finding, ...]
    not_applicable: tuple[str, ...] = ()
    check_errors: tuple[tuple[str, str], ...] = ()
    found_via: str = "link"
    # What it offered the frontier besides its links (a redirect's target, its canonicals:
    # (URL, depth, found via)), and whether its links were offered (not when it says
    # nofollow): stored, so that a resumed scan queues what an uninterrupted one would.
    offers: tuple[tuple[str, int, str], ...] = ()
    follows_links: bool = True


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One edge of the link graph as stored."""

    source: str
    target: str
    text: str = ""
    rel: tuple[str, ...] = ()
    internal: bool = True
    position: str = CONTENT  # where on the source page (model.page.LINK_POSITIONS)


Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class PageRows:
    """One processed page as the rows that store it, built where the page was processed.

    The rows carry no scan id or timestamp (the store adds them when it writes). Building
    them next to extraction, in a worker process, spares the engine's single writer that
    CPU; to everything above the store the rows are opaque.
    """

    url_key: str
    page: Row
    findings: tuple[Row, ...]
    links: tuple[Row, ...]
    resources: tuple[Row, ...] = ()


class ResourceTarget(NamedTuple):
    """A distinct subresource URL of a scan; `crawled` when the crawl also fetched it as a
    page (a linked image, say), whose answer `status`, `error_code` and `size` (the length
    its Content-Length announced) then are."""

    url: str
    status: int | None = None
    error_code: str | None = None
    crawled: bool = False
    size: int | None = None


@dataclass(frozen=True, slots=True)
class CheckStats:
    """Per-check applicability counts the aggregate phase scores with."""

    html_pages: int
    response_pages: int
    not_applicable: dict[str, int] = field(default_factory=dict)
    failing_pages: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    missing_inputs: frozenset[str] = frozenset()  # `model.report.missing_inputs` of the scan
    crashed_site_checks: frozenset[str] = frozenset()  # `model.report.crashed_site_checks`


@dataclass(frozen=True, slots=True)
class CrawlState:
    """What a stored scan already holds, for `--resume`: finished pages and pending links."""

    done: dict[str, int]  # URL -> depth of every stored page
    pending: list[tuple[str, int]]  # (target URL, depth) of stored followed links not fetched
    # The stored pages' outcomes as the engine counts them: status (else error code) and
    # crashed checks, by counter name (`fetch/status/200`, `analysis/check-error/<id>`).
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: int = 0  # stored pages that could not be fetched (an error code)
    # (URL, depth, found via) the stored pages offered besides links (redirect targets,
    # canonicals) that have no page yet.
    offers: list[tuple[str, int, str]] = field(default_factory=list)


class ScanStore(Protocol):
    """Persistence of scans, pages, links and findings (the database is the source of truth)."""

    def create_scan(self, spec: ScanSpec) -> int:
        """Create the site (if new) and a pending scan for `spec`; return the scan id."""
        ...

    def get_spec(self, scan_id: int) -> ScanSpec:
        """The spec a scan runs by: as created, or as discovery moved its start URL."""
        ...

    def set_status(self, scan_id: int, status: ScanStatus, *, error: str | None = None) -> None:
        """Move the scan to `status`; terminal statuses also stamp the finish time."""
        ...

    def get_scan(self, scan_id: int) -> ScanInfo:
        """Identity, lifecycle, counters and runner of one scan."""
        ...

    def update_spec(self, scan_id: int, spec: ScanSpec) -> None:
        """Replace the spec a scan runs by (discovery moved its start URL); the scan's site,
        its identity for re-scans, stays the one it was created for."""
        ...

    def get_status(self, scan_id: int) -> ScanStatus:
        """The scan's current status."""
        ...

    def add_counters(self, scan_id: int, counters: dict[str, int]) -> None:
        """Add to the scan's slash-named counters (`fetch/status/404` ...)."""
        ...

    def drop_counters(self, scan_id: int, prefixes: Sequence[str]) -> None:
        """Remove the scan's counters whose names start with one of `prefixes`."""
        ...

    def set_runner(self, scan_id: int, choose: Callable[[Runner | None], Runner]) -> Runner:
        """Store `choose(stored runner)` as the process that runs the scan, atomically
        (concurrent claims queue up; an exception from `choose` stores nothing); return it."""
        ...

    def replace_counters(
        self, scan_id: int, prefixes: Sequence[str], counters: Mapping[str, int]
    ) -> None:
        """Drop the counters under `prefixes`, then add `counters`, atomically."""
        ...

    def save_pages(self, scan_id: int, results: Sequence[PageResult]) -> None:
        """Persist pages with their findings; saving the same URL twice keeps one row."""
        ...

    def save_links(self, scan_id: int, links: Sequence[LinkRecord]) -> None:
        """Persist link graph edges; duplicates are ignored."""
        ...

    def save_page_rows(self, scan_id: int, pages: Sequence[PageRows]) -> None:
        """Persist pages already encoded as rows, with their outlinks, in one transaction."""
        ...

    def save_site_findings(self, scan_id: int, findings: Sequence[Finding]) -> None:
        """Persist the findings of site-level checks (idempotent by fingerprint)."""
        ...

    def save_discovery(
        self,
        scan_id: int,
        facts: SiteFacts,
        traps: Sequence[Trap],
        robots_blocked: Sequence[str],
        sitemap_urls: Sequence[str],
    ) -> None:
        """Store what discovery learnt (robots.txt, llms.txt, sitemaps, traps, blocked URLs)."""
        ...

    def forget_pages(self, scan_id: int, error_code: str) -> int:
        """Delete the pages stored with `error_code` (never requested), with their findings,
        so that a resumed scan fetches them; how many."""
        ...

    def save_depths(self, scan_id: int, depths: Mapping[str, int]) -> None:
        """Set the click depth of each page of `depths` (by URL)."""
        ...

    def load_crawl_state(self, scan_id: int, *, follow_nofollow: bool = False) -> CrawlState:
        """Stored pages and what they offered the frontier that was not fetched yet (their
        followed internal links, redirect targets, canonicals), to resume a scan."""
        ...

    def load_site(self, scan_id: int) -> Site:
        """The slim crawl graph site checks run over."""
        ...

    def external_targets(self, scan_id: int) -> Iterable[str]:
        """The distinct URLs on other hosts the crawled pages link to, in order."""
        ...

    def links_to(self, scan_id: int, targets: Collection[str]) -> list[tuple[str, str, str, str]]:
        """(source, target, text, position) of the links to `targets`, in link order."""
        ...

    def resource_targets(self, scan_id: int) -> Iterable[ResourceTarget]:
        """The distinct URLs of the subresources the crawled pages load, in order, with what
        each answered when it was also crawled as a page."""
        ...

    def resources_at(self, scan_id: int, targets: Collection[str]) -> list[tuple[str, str, str]]:
        """(page, target, kind) of the subresources at `targets`, in the order stored."""
        ...

    def check_stats(self, scan_id: int) -> CheckStats:
        """Applicability and failure counts per check, for scoring."""
        ...

    def save_scores(self, scan_id: int, report_scores: dict[str, object]) -> None:
        """Store the computed scores (site and per category) with the scan."""
        ...

    def load_report(self, scan_id: int) -> ScanReport:
        """Everything the report renderers need."""
        ...

    def report_pages(self, scan_id: int) -> Sequence[PageRow]:
        """The report's pages, in report order."""
        ...

    def report_findings(self, scan_id: int, *, of_site: bool) -> Sequence[Finding]:
        """The site checks' (`of_site`) or the page checks' findings, in report order."""
        ...
