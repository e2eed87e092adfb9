"""`SqlScanStore`: the `ScanStore` port over SQLAlchemy Core, for SQLite and PostgreSQL.

Every method is one transaction. Writes are idempotent so that a task delivered twice
changes nothing the second time: pages are upserted by (scan, URL) with the later save
winning (its findings replace the earlier save's), links and findings are inserted with
"insert or ignore" on their unique keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, literal, select, update

from siteaudit.model import Finding, ScanSpec, ScanStatus
from siteaudit.model.report import CheckInfo, LinkRow, PageRow, Runner, ScanInfo, ScanReport
from siteaudit.model.site import Site, SiteFacts, Trap
from siteaudit.pipeline.ports import (
    CheckStats,
    CrawlState,
    LinkRecord,
    PageResult,
    PageRows,
    ResourceTarget,
)
from siteaudit.storage import codec, reading
from siteaudit.storage.discovery import write_discovery
from siteaudit.storage.errors import ScanNotFoundError
from siteaudit.storage.sanitize import clean_json, clean_text
from siteaudit.storage.tables import UTCDateTime, artifacts, scans, sites, utcnow
from siteaudit.storage.upsert import insert_ignoring
from siteaudit.storage.writing import (
    forget_pages,
    write_depths,
    write_links,
    write_page_rows,
    write_pages,
    write_site_findings,
)


class SqlScanStore:
    """Scans, pages, links and findings in a SQL database (implements `ScanStore`)."""

    def __init__(self, engine: Engine) -> None:
        """Use `engine`, whose schema must already be migrated (see `open_store`)."""
        self.engine = engine

    # -- scans ---------------------------------------------------------------------------

    def create_scan(self, spec: ScanSpec) -> int:
        """Create the site (if new) and a pending scan for `spec`; return the scan id."""
        with self.engine.begin() as connection:
            return insert_scan(connection, spec)

    def get_spec(self, scan_id: int) -> ScanSpec:
        """The spec a scan runs by: as created, or as discovery moved its start URL."""
        with self.engine.connect() as connection:
            return codec.spec_from_json(_scan_value(connection, scans.c.spec, scan_id))

    def update_spec(self, scan_id: int, spec: ScanSpec) -> None:
        """Replace the spec a scan runs by; its site stays the one it was created for."""
        with self.engine.begin() as connection:
            connection.execute(
                update(scans).where(scans.c.id == scan_id).values(spec=codec.spec_to_json(spec))
            )

    def get_status(self, scan_id: int) -> ScanStatus:
        """The scan's current status."""
        with self.engine.connect() as connection:
            return ScanStatus(_scan_value(connection, scans.c.status, scan_id))

    def set_status(self, scan_id: int, status: ScanStatus, *, error: str | None = None) -> None:
        """Move the scan to `status`, stamping the start and finish times.

        `started_at` is set the first time the scan leaves `pending`; `finished_at` the first
        time it reaches a terminal status, and cleared if it leaves it again. `error` is kept
        unless a new one is given. No transition is refused: the engines own the order.
        """
        now = literal(utcnow(), UTCDateTime())
        values: dict[str, object] = {"status": status.value}
        if status is not ScanStatus.PENDING:
            values["started_at"] = func.coalesce(scans.c.started_at, now)
        values["finished_at"] = (
            func.coalesce(scans.c.finished_at, now) if status.is_terminal else None
        )
        if error is not None:
            values["error"] = clean_text(error)
        with self.engine.begin() as connection:
            result = connection.execute(update(scans).where(scans.c.id == scan_id).values(values))
            if result.rowcount == 0:
                raise ScanNotFoundError(scan_id)

    def add_counters(self, scan_id: int, counters: Mapping[str, int]) -> None:
        """Add `counters` to the scan's slash-named counters, atomically."""
        if counters:
            self._change_counters(scan_id, lambda stored: _added(stored, counters))

    def drop_counters(self, scan_id: int, prefixes: Sequence[str]) -> None:
        """Remove the scan's counters whose names start with one of `prefixes`."""
        self._change_counters(scan_id, lambda stored: _dropped(stored, prefixes))

    def replace_counters(
        self, scan_id: int, prefixes: Sequence[str], counters: Mapping[str, int]
    ) -> None:
        """Drop the counters under `prefixes`, then add `counters`, in one atomic change: a
        step that may run twice (a resumed scan, a redelivered task) is counted once."""
        self._change_counters(scan_id, lambda stored: _added(_dropped(stored, prefixes), counters))

    def _change_counters(
        self, scan_id: int, change: Callable[[dict[str, int]], dict[str, int]]
    ) -> None:
        """Replace the scan's counters by `change` of them, atomically."""
        with self.engine.begin() as connection:
            stored = dict(_locked_value(connection, scans.c.counters, scan_id))
            connection.execute(
                update(scans).where(scans.c.id == scan_id).values(counters=change(stored))
            )

    def set_runner(self, scan_id: int, choose: Callable[[Runner | None], Runner]) -> Runner:
        """Store `choose(stored runner)` as the process that runs the scan, in one locked
        change, and return it (`engines/claims.py`): two processes claiming the scan at once
        queue up, so the second sees the first; an exception from `choose` stores nothing."""
        with self.engine.begin() as connection:
            runner = choose(
                codec.runner_from_json(_locked_value(connection, scans.c.runner, scan_id))
            )
            connection.execute(
                update(scans)
                .where(scans.c.id == scan_id)
                .values(runner=codec.runner_to_json(runner))
            )
            return runner

    def save_scores(self, scan_id: int, report_scores: Mapping[str, object]) -> None:
        """Store the scores, as the document `codec.scores_to_json` makes."""
        with self.engine.begin() as connection:
            statement = update(scans).where(scans.c.id == scan_id)
            result = connection.execute(statement.values(scores=clean_json(report_scores)))
            if result.rowcount == 0:
                raise ScanNotFoundError(scan_id)

    def get_scan(self, scan_id: int) -> ScanInfo:
        """Identity, lifecycle and counters of one scan."""
        with self.engine.connect() as connection:
            return reading.scan_info(connection, scan_id)

    def list_scans(self, limit: int = 50) -> list[ScanInfo]:
        """The `limit` most recently created scans, newest first."""
        with self.engine.connect() as connection:
            return reading.recent_scans(connection, limit)

    def scan_ids_for_site(self, url: str) -> list[int]:
        """Ids of every scan of the site whose start URL is `url`, newest first."""
        key = codec.url_key(clean_text(url))
        query = (
            select(scans.c.id)
            .join(sites, sites.c.id == scans.c.site_id)
            .where(sites.c.url_key == key)
            .order_by(scans.c.id.desc())
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    # -- crawl data ----------------------------------------------------------------------

    def save_pages(self, scan_id: int, results: Sequence[PageResult]) -> None:
        """Persist pages with their findings; saving the same URL again replaces both."""
        with self.engine.begin() as connection:
            write_pages(connection, scan_id, results)

    def save_links(self, scan_id: int, links: Sequence[LinkRecord]) -> None:
        """Persist link graph edges; an edge already stored for the scan is ignored."""
        with self.engine.begin() as connection:
            write_links(connection, scan_id, links)

    def save_page_rows(self, scan_id: int, pages: Sequence[PageRows]) -> None:
        """Persist pages encoded by `writing.encode_page`, with their outlinks, at once."""
        with self.engine.begin() as connection:
            write_page_rows(connection, scan_id, pages)

    def save_site_findings(self, scan_id: int, findings: Sequence[Finding]) -> None:
        """Persist the findings of site-level checks (idempotent by fingerprint)."""
        with self.engine.begin() as connection:
            write_site_findings(connection, scan_id, findings)

    def record_artifact(self, key: str, size_bytes: int, media_type: str = "") -> None:
        """Note that an artifact is stored under `key` (idempotent)."""
        row = {
            "key": key,
            "size_bytes": size_bytes,
            "media_type": clean_text(media_type),
            "created_at": utcnow(),
        }
        with self.engine.begin() as connection:
            insert_ignoring(connection, artifacts, [row], ["key"])

    def save_discovery(
        self,
        scan_id: int,
        facts: SiteFacts,
        traps: Sequence[Trap],
        robots_blocked: Sequence[str],
        sitemap_urls: Sequence[str],
    ) -> None:
        """Store what discovery learnt; saving again replaces the document."""
        with self.engine.begin() as connection:
            write_discovery(
                connection,
                scan_id,
                facts=facts,
                traps=traps,
                robots_blocked=robots_blocked,
                listed=sitemap_urls,
            )

    def save_depths(self, scan_id: int, depths: Mapping[str, int]) -> None:
        """Set the click depth of each page of `depths` (by URL)."""
        with self.engine.begin() as connection:
            write_depths(connection, scan_id, depths)

    def forget_pages(self, scan_id: int, error_code: str) -> int:
        """Delete the pages stored with `error_code` (never requested), with their findings,
        so that a resumed scan fetches them; how many."""
        with self.engine.begin() as connection:
            return forget_pages(connection, scan_id, error_code)

    def load_crawl_state(self, scan_id: int, *, follow_nofollow: bool = False) -> CrawlState:
        """Stored pages and what they offered the frontier that was not fetched yet (their
        followed internal links, redirect targets, canonicals), to resume a scan."""
        with self.engine.connect() as connection:
            return reading.crawl_state(connection, scan_id, follow_nofollow=follow_nofollow)

    # -- reads for the later phases --------------------------------------------------------

    def load_site(self, scan_id: int) -> Site:
        """Every page and internal link of the scan, for site-level checks."""
        with self.engine.connect() as connection:
            return reading.site(connection, scan_id)

    def link_rows(self, scan_id: int) -> Iterator[LinkRow]:
        """Every link of the scan with what its target answered, page by page, streamed
        (ScanNotFoundError for an unknown scan)."""
        self.get_scan(scan_id)
        return reading.link_rows(self.engine, scan_id)

    def external_targets(self, scan_id: int) -> Iterator[str]:
        """The distinct URLs on other hosts the crawled pages link to, by URL, streamed."""
        return reading.external_targets(self.engine, scan_id)

    def links_to(self, scan_id: int, targets: Collection[str]) -> list[tuple[str, str, str, str]]:
        """(source, target, text, position) of the links to `targets`, in link order."""
        with self.engine.connect() as connection:
            return reading.links_to(connection, scan_id, targets)

    def resource_targets(self, scan_id: int) -> Iterator[ResourceTarget]:
        """The distinct URLs of the subresources the crawled pages load, by URL, streamed,
        with what each answered when it was also crawled as a page."""
        return reading.resource_targets(self.engine, scan_id)

    def resources_at(self, scan_id: int, targets: Collection[str]) -> list[tuple[str, str, str]]:
        """(page, target, kind) of the subresources at `targets`, in the order stored."""
        with self.engine.connect() as connection:
            return reading.resources_at(connection, scan_id, targets)

    def check_stats(self, scan_id: int) -> CheckStats:
        """Applicability and failure counts per check, for scoring."""
        with self.engine.connect() as connection:
            return reading.check_stats(connection, scan_id)

    def report_pages(self, scan_id: int) -> Sequence[PageRow]:
        """The report's pages (with their inlinks), in report order, streamed from the
        database on each iteration."""
        return reading.report_pages(self.engine, scan_id)

    def report_findings(self, scan_id: int, *, of_site: bool) -> Sequence[Finding]:
        """The site checks' (`of_site`) or the page checks' findings, in report order,
        streamed from the database on each iteration."""
        return reading.report_findings(self.engine, scan_id, of_site=of_site)

    def load_report(
        self, scan_id: int, checks: Mapping[str, CheckInfo] | None = None
    ) -> ScanReport:
        """Everything the report renderers need.

        The store knows no check metadata: pass the catalogue's `CheckInfo`s as `checks`,
        or the report's `checks` is left empty for the caller to fill.
        """
        return reading.report(self.engine, scan_id, dict(checks or {}))


def insert_scan(connection: Connection, spec: ScanSpec, *, engine: str = "local") -> int:
    """Create the site (if new) and a pending scan for `spec` in the caller's transaction."""
    now = utcnow()
    url = clean_text(spec.start_url)
    row = {"url": url, "url_key": codec.url_key(url), "created_at": now}
    insert_ignoring(connection, sites, [row], ["url_key"])
    site_id = connection.scalar(select(sites.c.id).where(sites.c.url_key == row["url_key"]))
    statement = scans.insert().values(
        site_id=site_id,
        spec=codec.spec_to_json(spec),
        status=ScanStatus.PENDING.value,
        created_at=now,
        counters={},
        engine=engine,
    )
    return int(connection.execute(statement.returning(scans.c.id)).scalar_one())


def _locked_value(connection: Connection, column: ColumnElement[Any], scan_id: int) -> Any:
    """The scan's `column`, read under the lock a write takes first: the row lock
    (PostgreSQL) or the write lock (SQLite), so that concurrent read-change-write steps queue
    up instead of losing each other's changes. Call it in a transaction."""
    connection.execute(update(scans).where(scans.c.id == scan_id).values({column: column}))
    return _scan_value(connection, column, scan_id)


def _scan_value(connection: Connection, column: ColumnElement[Any], scan_id: int) -> Any:
    row = connection.execute(select(column).where(scans.c.id == scan_id)).first()
    if row is None:
        raise ScanNotFoundError(scan_id)
    return row[0]


def _added(stored: dict[str, int], counters: Mapping[str, int]) -> dict[str, int]:
    for name, amount in counters.items():
        key = clean_text(name)
        stored[key] = int(stored.get(key, 0)) + int(amount)
    return stored


def _dropped(stored: dict[str, int], prefixes: Sequence[str]) -> dict[str, int]:
    starts = tuple(prefixes)
    return {name: amount for name, amount in stored.items() if not name.startswith(starts)}
