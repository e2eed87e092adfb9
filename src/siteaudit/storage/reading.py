"""The read queries: scan identity, the site graph, per-check counts and the full report.

Each function runs on the caller's connection. Counting happens in SQL where it can;
the per-page N/A lists are JSON, so they are tallied here rather than with
dialect-specific JSON functions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    Text,
    and_,
    case,
    distinct,
    false,
    func,
    select,
)

from siteaudit.model import FINDING_FIELDS, Category, Finding, Severity
from siteaudit.model.page import NOFOLLOW_RELS, header_value, outcome_counters
from siteaudit.model.report import (
    HTML_CONTENT_TYPES,
    STATUS_CLASSES,
    CheckInfo,
    CheckTally,
    LinkRow,
    PageRow,
    ReportTotals,
    ScanInfo,
    ScanReport,
    crashed_site_checks,
    missing_inputs,
    status_class,
)
from siteaudit.model.site import LinkTable, Site, announced_size
from siteaudit.pipeline.ports import CheckStats, CrawlState, ResourceTarget
from siteaudit.storage import codec
from siteaudit.storage.discovery import read_discovery
from siteaudit.storage.errors import ScanNotFoundError
from siteaudit.storage.keyed import rows_with_keys
from siteaudit.storage.streaming import PARTITION, StoredRows, text_order
from siteaudit.storage.tables import findings, links, pages, resources, scans, sites

# Link rows read at a time when loading the site graph: columns of this many edges at once
# (a 100,000-page crawl has millions).
LINK_CHUNK = 10_000


def scan_info(connection: Connection, scan_id: int) -> ScanInfo:
    """One scan's identity and lifecycle; raises ScanNotFoundError."""
    row = connection.execute(_scan_query().where(scans.c.id == scan_id)).first()
    if row is None:
        raise ScanNotFoundError(scan_id)
    return codec.scan_info_from_row(row)


def recent_scans(connection: Connection, limit: int) -> list[ScanInfo]:
    """The `limit` newest scans, newest first."""
    query = _scan_query().order_by(scans.c.id.desc()).limit(limit)
    return [codec.scan_info_from_row(row) for row in connection.execute(query)]


def site(connection: Connection, scan_id: int) -> Site:
    """The slim crawl graph: every page and every internal link of the scan.

    `sitemap_urls` holds the URLs discovery read from sitemaps (and pages found through one).
    """
    start_url = scan_info(connection, scan_id).start_url
    columns = [pages.c[name] for name in codec.SITE_PAGE_COLUMNS]
    rows = connection.execute(
        _streamed(
            select(*columns).where(pages.c.scan_id == scan_id).order_by(pages.c.depth, pages.c.url)
        )
    )
    site_pages = tuple(codec.site_page_from_row(row) for row in rows)
    facts, traps, robots_blocked, listed = read_discovery(connection, scan_id)
    edges = (
        # rel as its JSON text: most links have none ("[]"), and decoding each cost more
        # than the rest of the row.
        select(
            links.c.source_url,
            links.c.target_url,
            links.c.text,
            links.c.rel.cast(Text),
            links.c.position,
        )
        .where(_links_of(connection, scan_id), links.c.internal.is_(True))
        .order_by(links.c.id)
    )
    return Site(
        start_url=start_url,
        pages=site_pages,
        links=_link_table(_link_chunks(connection, edges)),
        sitemap_urls=listed | {page.url for page in site_pages if page.found_via == "sitemap"},
        robots_blocked=robots_blocked,
        facts=facts,
        traps=traps,
    )


def link_rows(engine: Engine, scan_id: int) -> Iterator[LinkRow]:
    """Every link of the scan in the order stored (page by page), each with its target
    page's status when the crawl fetched it, streamed."""
    target = pages.alias("target")
    joined = links.outerjoin(
        target, and_(target.c.scan_id == links.c.scan_id, target.c.url_key == links.c.target_key)
    )
    query = (
        select(
            links.c.source_url,
            links.c.target_url,
            links.c.text,
            links.c.rel,
            links.c.position,
            links.c.internal,
            target.c.status,
            target.c.error_code,
        )
        .select_from(joined)
        .order_by(links.c.id)
    )
    with engine.connect() as connection:
        query = query.where(_links_of(connection, scan_id))
        result = connection.execute(_streamed(query))
        for row in result:
            yield LinkRow(
                row.source_url,
                row.target_url,
                row.text,
                tuple(row.rel or ()),
                row.position,
                bool(row.internal),
                row.status,
                row.error_code,
            )


def external_targets(engine: Engine, scan_id: int) -> Iterator[str]:
    """The distinct targets of the scan's links to other hosts, by URL, streamed in batches
    (a site's every page can link out)."""
    # In code point order, as `engines.resources` merges it with other URLs (selected as
    # ordered: PostgreSQL sorts DISTINCT rows only by what they select).
    target = text_order(engine)(links.c.target_url).label("target")
    query = (
        select(target)
        .where(links.c.scan_id == scan_id, links.c.internal.is_(False))
        .distinct()
        .order_by(target)
    )
    with engine.connect() as connection:
        result = connection.execute(_streamed(query))
        yield from result.scalars()


# Targets looked up per query in `links_to` (bound parameters stay well under every limit).
LINKS_TO_BATCH = 500


def resource_targets(engine: Engine, scan_id: int) -> Iterator[ResourceTarget]:
    """The distinct URLs of the scan's subresources, by URL (code point order), streamed,
    with the answer of each that the crawl also fetched as a page (its size from the
    stored headers: the crawl reads no body of an image)."""
    distinct = (
        select(resources.c.target_url, resources.c.target_key)
        .where(resources.c.scan_id == scan_id)
        .distinct()
        .subquery()
    )
    target = text_order(engine)(distinct.c.target_url).label("target")
    query = (
        select(
            target,
            pages.c.status,
            pages.c.error_code,
            pages.c.id.is_not(None),
            pages.c.headers,
        )
        .select_from(
            distinct.outerjoin(
                pages,
                (pages.c.scan_id == scan_id) & (pages.c.url_key == distinct.c.target_key),
            )
        )
        .order_by(target)
    )
    with engine.connect() as connection:
        result = connection.execute(_streamed(query))
        for url, status, error_code, crawled, headers in result:
            # The headers are stored as [name, value] pairs, names in lower case.
            size = announced_size(status, header_value(headers or (), "content-length"))
            yield ResourceTarget(url, status, error_code, bool(crawled), size)


def resources_at(
    connection: Connection, scan_id: int, targets: Collection[str]
) -> list[tuple[str, str, str]]:
    """(page, target, kind) of the scan's subresources at `targets`, in the order stored."""
    columns = (resources.c.page_url, resources.c.target_url, resources.c.kind)
    return _rows_to(connection, resources, scan_id, targets, columns)


def links_to(
    connection: Connection, scan_id: int, targets: Collection[str]
) -> list[tuple[str, str, str, str]]:
    """(source, target, text, position) of the scan's links to `targets`, in link order."""
    columns = (links.c.source_url, links.c.target_url, links.c.text, links.c.position)
    return _rows_to(connection, links, scan_id, targets, columns)


def _rows_to(
    connection: Connection,
    table: Table,
    scan_id: int,
    targets: Collection[str],
    columns: tuple[Any, ...],
) -> list[Any]:
    """`columns` of the scan's rows of `table` (links, resources) that point at one of
    `targets`, in the order they were stored; queried in batches of target keys."""
    keys = sorted({codec.url_key(url) for url in targets})
    found: list[tuple[Any, ...]] = []
    for first in range(0, len(keys), LINKS_TO_BATCH):
        batch = keys[first : first + LINKS_TO_BATCH]
        query = rows_with_keys(connection, table.c.target_key, scan_id, batch, table.c.id, *columns)
        found.extend(tuple(row) for row in connection.execute(query))
    found.sort()
    return [row[1:] for row in found]


def crawl_state(
    connection: Connection, scan_id: int, *, follow_nofollow: bool = False
) -> CrawlState:
    """Every stored page with its depth, and what the pages offered the frontier that has no
    page yet: the internal link targets they followed (not rel=nofollow ones, unless
    `follow_nofollow`; none of a page that said nofollow), at one more than the shallowest
    source's depth, and their other offers (redirect targets, canonicals) at their own.

    The link targets come shallowest first and, within a depth, in the order a run offered
    them: by their first link from a source at the shallowest depth (links are stored in
    the order their pages were processed). Under a page limit, that order decides which
    of a depth's pages a resumed scan takes, as it did for the run.

    The links are matched with their source pages here, not by SQL: joined on the URL
    (`pages` has no index on it, only on its key), SQLite compared each link with every
    page of the scan, and a scan of 5,000 pages and 2.3 million links took longer than ten
    minutes to resume (the PostgreSQL manual's 11,000 links, a blink).
    """
    scan_info(connection, scan_id)
    columns = (
        pages.c.url,
        pages.c.depth,
        pages.c.status,
        pages.c.error_code,
        pages.c.check_errors,
        pages.c.follows_links,
    )
    done: dict[str, int] = {}
    following: dict[str, int] = {}  # the pages whose links were followed, with their depth
    outcomes: Counter[str] = Counter()
    errors = 0
    for url, depth, status, error_code, check_errors, follows in connection.execute(
        _streamed(select(*columns).where(pages.c.scan_id == scan_id))
    ):
        done[url] = depth
        if follows is not False:  # NULL (stored before 0007): followed
            following[url] = depth
        outcomes.update(outcome_counters(status, error_code, (check for check, _ in check_errors)))
        errors += error_code is not None
    edges = (
        select(links.c.source_url, links.c.target_url, links.c.rel.cast(Text))
        .where(_links_of(connection, scan_id), links.c.internal.is_(True))
        .order_by(links.c.id)
    )
    shallowest: dict[str, int] = {}  # URL -> the depth its first link there offered it at
    for chunk in _link_chunks(connection, edges):
        for source, target, rels in chunk:
            depth = following.get(source)
            if depth is None or target in done or depth + 1 >= shallowest.get(target, depth + 2):
                continue
            if not follow_nofollow and _is_nofollow(rels):
                continue
            # In storage order: the first link from the shallowest source keeps its place.
            shallowest.pop(target, None)
            shallowest[target] = depth + 1
    pending = sorted(shallowest.items(), key=lambda item: item[1])  # stable: link order
    offers: dict[str, tuple[int, str]] = {}
    for (offered,) in connection.execute(
        _streamed(
            select(pages.c.offers).where(pages.c.scan_id == scan_id, pages.c.offers.is_not(None))
        )
    ):
        for url, depth, via in offered or ():
            known = offers.get(url)
            if url not in done and url not in shallowest and (known is None or depth < known[0]):
                offers[url] = (depth, via)
    return CrawlState(
        done=done,
        pending=pending,
        outcomes=dict(outcomes),
        errors=errors,
        offers=sorted(((url, depth, via) for url, (depth, via) in offers.items()), key=_by_depth),
    )


def _by_depth(offer: tuple[str, int, str]) -> tuple[int, str]:
    return offer[1], offer[0]


def check_stats(connection: Connection, scan_id: int) -> CheckStats:
    """Pages that HTML and response checks apply to, N/A counts and failures per check."""
    scan = scan_info(connection, scan_id)  # a missing scan is an error, not zero pages
    answered = pages.c.status.is_not(None) | pages.c.error_code.is_not(None)
    html, responses = connection.execute(
        select(
            func.count(case((pages.c.is_html.is_(True), 1))),
            func.count(case((answered, 1))),
        ).where(pages.c.scan_id == scan_id)
    ).one()
    not_applicable: Counter[str] = Counter()
    for (ids,) in connection.execute(
        _streamed(select(pages.c.not_applicable).where(pages.c.scan_id == scan_id))
    ):
        not_applicable.update(ids)
    per_check = connection.execute(
        select(findings.c.check_id, func.count(distinct(findings.c.url)), func.count())
        .where(findings.c.scan_id == scan_id)
        .group_by(findings.c.check_id)
    ).all()
    return CheckStats(
        html_pages=html,
        response_pages=responses,
        not_applicable=dict(not_applicable),
        failing_pages={check: failing for check, failing, _ in per_check},
        findings={check: count for check, _, count in per_check},
        missing_inputs=missing_inputs(scan),
        crashed_site_checks=crashed_site_checks(scan.counters),
    )


def report(engine: Engine, scan_id: int, checks: dict[str, CheckInfo]) -> ScanReport:
    """The scan, its scores, its pages (with inlinks) and its findings, most severe first.

    Pages and findings are `StoredRows`: streamed from the database on each iteration, in
    report order; the counts every renderer needs are taken here, in SQL.
    """
    with engine.connect() as connection:
        info = scan_info(connection, scan_id)
        stored_scores = connection.scalar(select(scans.c.scores).where(scans.c.id == scan_id))
        totals = report_totals(connection, scan_id)
        page_rows = _page_rows(connection, engine, scan_id, totals.pages)
    finding_query = _findings_in_report_order(engine, findings.c.scan_id == scan_id)
    return ScanReport(
        scan=info,
        scores=codec.scores_from_json(stored_scores),
        pages=page_rows,
        findings=StoredRows(engine, finding_query, codec.finding_from_row, totals.findings),
        checks=checks,
        stored_totals=totals,
    )


def report_pages(engine: Engine, scan_id: int) -> StoredRows[PageRow]:
    """The pages of the report (with their inlinks), in report order."""
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(pages.c.scan_id == scan_id)) or 0
        return _page_rows(connection, engine, scan_id, count)


def _page_rows(
    connection: Connection, engine: Engine, scan_id: int, count: int
) -> StoredRows[PageRow]:
    """The report's pages, streamed from `engine` on each iteration; `connection` finds the
    scan's links (`_links_of`) for their inlink counts."""
    inlinks = _inlink_counts(_links_of(connection, scan_id))
    query = (
        select(*(pages.c[name] for name in codec.PAGE_ROW_COLUMNS))
        .where(pages.c.scan_id == scan_id)
        .add_columns(func.coalesce(inlinks.c.inlinks, 0).label("inlinks"))
        .outerjoin(inlinks, inlinks.c.target_key == pages.c.url_key)
        .order_by(pages.c.depth, text_order(engine)(pages.c.url))
    )
    return StoredRows(engine, query, codec.page_row_from_row, count)


def report_findings(engine: Engine, scan_id: int, *, of_site: bool) -> StoredRows[Finding]:
    """The findings of the site checks (`of_site`) or of the page checks, in report order."""
    mine = findings.c.scan_id == scan_id
    which = findings.c.page_key.is_(None) if of_site else findings.c.page_key.is_not(None)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(mine, which)) or 0
    query = _findings_in_report_order(engine, and_(mine, which))
    return StoredRows(engine, query, codec.finding_from_row, count)


def _findings_in_report_order(engine: Engine, where: Any) -> Select[Any]:
    order = text_order(engine)
    return (
        select(*(findings.c[name] for name in FINDING_FIELDS))
        .where(where)
        .order_by(
            _severity_rank(findings.c.severity),
            order(findings.c.check_id),
            order(findings.c.url),
            order(findings.c.locator),
        )
    )


def report_totals(connection: Connection, scan_id: int) -> ReportTotals:
    """The counts a report shows, over pages and findings, without loading either."""
    answered = pages.c.status.is_not(None)
    html = answered & pages.c.content_type.in_(sorted(HTML_CONTENT_TYPES))
    total_pages, html_pages = connection.execute(
        select(func.count(), func.count(case((html, 1)))).where(pages.c.scan_id == scan_id)
    ).one()
    by_class = dict.fromkeys(STATUS_CLASSES, 0)
    statuses = connection.execute(
        select(pages.c.status, func.count())
        .where(pages.c.scan_id == scan_id)
        .group_by(pages.c.status)
    )
    for status, count in statuses:
        by_class[status_class(status)] += count
    mine = findings.c.scan_id == scan_id
    total_findings, affected = connection.execute(
        select(func.count(), func.count(distinct(findings.c.url))).where(mine)
    ).one()
    by_severity = dict.fromkeys(Severity, 0)
    for severity, count in connection.execute(
        select(findings.c.severity, func.count()).where(mine).group_by(findings.c.severity)
    ):
        by_severity[Severity(severity)] += count
    by_check = {
        check_id: CheckTally(count, urls, Severity(severity), Category(category))
        for check_id, count, urls, severity, category in connection.execute(
            select(
                findings.c.check_id,
                func.count(),
                func.count(distinct(findings.c.url)),
                func.max(findings.c.severity),
                func.max(findings.c.category),
            )
            .where(mine)
            .group_by(findings.c.check_id)
        )
    }
    return ReportTotals(
        pages=total_pages,
        html_pages=html_pages,
        pages_by_status_class=by_class,
        findings=total_findings,
        findings_by_severity=by_severity,
        affected_pages=affected,
        by_check=by_check,
    )


def _severity_rank(column: Any) -> Any:
    """0 for critical up to 4 for info, as `Severity.rank`."""
    return case({severity.value: severity.rank for severity in Severity}, value=column, else_=99)


def _scan_query() -> Select[Any]:
    return select(scans, sites.c.url.label("start_url")).join(sites, sites.c.id == scans.c.site_id)


def _inlink_counts(of_scan: ColumnElement[bool]) -> Any:
    """Distinct internal pages linking to each target; a page linking to itself is no inlink.

    `of_scan` is `_links_of`: on SQLite the scan's links read in table order, then grouped,
    instead of reading each row through the target index (a shop with a 450-link menu:
    2.3 million links, 6.0 s -> 3.1 s, for each report process).
    """
    return (
        select(links.c.target_key, func.count(distinct(links.c.source_url)).label("inlinks"))
        .where(
            and_(
                of_scan,
                links.c.internal.is_(True),
                links.c.source_url != links.c.target_url,
            )
        )
        .group_by(links.c.target_key)
        .subquery()
    )


def _links_of(connection: Connection, scan_id: int) -> ColumnElement[bool]:
    """The condition that selects a scan's links, for a query in storage order (by id).

    On SQLite, their range of ids: given `scan_id = ?`, SQLite reads them through the
    `(scan_id, target_key)` index and sorts them all by id in a temporary b-tree (a shop of
    5,000 pages with a 450-link menu: 6.4-7.1 s for its 2.3 million links), where reading
    the table in id order takes 1.5-1.8 s, and finding the range 0.5 s. `scan_id + 0`
    keeps SQLite off the index for that term; the range keeps it to the scan's own rows.
    Other databases plan it themselves.
    """
    if connection.dialect.name != "sqlite":
        return links.c.scan_id == scan_id
    first, last = connection.execute(
        select(func.min(links.c.id), func.max(links.c.id)).where(links.c.scan_id == scan_id)
    ).one()
    if first is None:
        return false()
    return and_(links.c.id.between(first, last), (links.c.scan_id + 0) == scan_id)


def _streamed(query: Select[Any], rows: int = PARTITION) -> Select[Any]:
    """`query` read `rows` at a time: on PostgreSQL through a server-side cursor, where the
    driver otherwise holds the whole result before the first row is read (the not
    applicable checks of 100,000 pages: 100 MB)."""
    return query.execution_options(stream_results=True, yield_per=rows)


def _link_table(chunks: Iterable[Sequence[Any]]) -> LinkTable:
    """The edges (source, target, text, rel as JSON text, position) of `_link_chunks`."""
    table = LinkTable()
    for chunk in chunks:
        sources, targets, texts, rels, positions = zip(*chunk, strict=True)
        table.extend(sources, targets, texts, map(_is_nofollow, rels), positions)
    return table


def _link_chunks(connection: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of a query over a scan's links, `LINK_CHUNK` at a time, for queries whose
    columns need no conversion (text, integers).

    On SQLite, the driver's own tuples: a SQLAlchemy `Row` for each cost as much again as
    reading it (a shop with a 450-link menu, 2.3 million links: 6.1-8.2 s -> 4.7 s). On
    PostgreSQL, through a server-side cursor: the driver otherwise holds the whole result
    before the first row is read (that shop's graph: 493 MB peak RSS).
    """
    if connection.dialect.name == "sqlite":
        result = connection.execute(query)  # no row is read ahead without stream_results
        while chunk := result.cursor.fetchmany(LINK_CHUNK):
            yield chunk
        return
    yield from connection.execute(_streamed(query, LINK_CHUNK)).partitions()


def _is_nofollow(rel: str) -> bool:
    return rel != "[]" and not NOFOLLOW_RELS.isdisjoint(json.loads(rel))
