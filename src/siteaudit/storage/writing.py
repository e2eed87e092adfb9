"""The write queries of a scan's crawl data: pages with their findings, resources and links,
site findings.

Each `write_*` function runs inside the caller's transaction and is idempotent;
`codec.page_rows` builds a page's rows ahead of time, wherever the page was processed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from siteaudit.model import Finding
from siteaudit.pipeline.ports import LinkRecord, PageResult, PageRows
from siteaudit.storage import codec
from siteaudit.storage.keyed import delete_with_keys
from siteaudit.storage.tables import findings, links, pages, resources, utcnow
from siteaudit.storage.upsert import Row, insert_ignoring, insert_replacing

# The unique keys that make each write idempotent.
PAGE_KEY = ("scan_id", "url_key")
LINK_KEY = ("scan_id", "link_key")
FINDING_KEY = ("scan_id", "fingerprint")
RESOURCE_KEY = ("scan_id", "resource_key")


def write_page_rows(connection: Connection, scan_id: int, encoded: Sequence[PageRows]) -> None:
    """Write encoded pages: their links first, then the pages with their findings."""
    # Links first: a page stored without its outlinks could not be resumed from.
    edges = ({"scan_id": scan_id, **row} for item in encoded for row in item.links)
    insert_ignoring(connection, links, _unique(edges, "link_key"), LINK_KEY)
    _write_pages(connection, scan_id, encoded)


def write_pages(connection: Connection, scan_id: int, results: Sequence[PageResult]) -> None:
    """Upsert the pages, then replace the findings their analysis produced."""
    _write_pages(connection, scan_id, [codec.page_rows(result, ()) for result in results])


def write_links(connection: Connection, scan_id: int, records: Sequence[LinkRecord]) -> None:
    """Insert link edges; an edge (source, target) already stored for the scan is kept."""
    rows = ({"scan_id": scan_id, **codec.link_values(record)} for record in records)
    insert_ignoring(connection, links, _unique(rows, "link_key"), LINK_KEY)


def write_site_findings(connection: Connection, scan_id: int, found: Sequence[Finding]) -> None:
    """Insert findings of site-level checks; a fingerprint already stored is kept."""
    rows = ({"scan_id": scan_id, **codec.finding_values(f, None)} for f in found)
    insert_ignoring(connection, findings, _unique(rows, "fingerprint"), FINDING_KEY)


def _write_pages(connection: Connection, scan_id: int, encoded: Sequence[PageRows]) -> None:
    """Insert the pages' resources, upsert the pages, then replace the findings of each with
    the ones encoded with it."""
    now = utcnow()
    latest: dict[str, PageRows] = {}
    for item in encoded:  # the later of two saves of one URL in a batch wins
        latest[item.url_key] = item
    loaded = ({"scan_id": scan_id, **row} for item in latest.values() for row in item.resources)
    insert_ignoring(connection, resources, _unique(loaded, "resource_key"), RESOURCE_KEY)
    rows = [{"scan_id": scan_id, **item.page, "saved_at": now} for item in latest.values()]
    insert_replacing(connection, pages, rows, PAGE_KEY)
    # Not one `page_key IN (...)`: without table statistics PostgreSQL read every finding of
    # the scan for each batch, and the 100,000-page site took 22 minutes (`storage.keyed`).
    delete_with_keys(connection, findings.c.page_key, scan_id, latest)
    found = ({"scan_id": scan_id, **row} for item in latest.values() for row in item.findings)
    insert_ignoring(connection, findings, _unique(found, "fingerprint"), FINDING_KEY)


def write_depths(connection: Connection, scan_id: int, depths: Mapping[str, int]) -> None:
    """Set the depth of each page of `depths` (by URL)."""
    if not depths:
        return
    statement = (
        update(pages)
        .where(pages.c.scan_id == scan_id, pages.c.url_key == bindparam("key"))
        .values(depth=bindparam("new_depth"))
    )
    rows = [{"key": codec.url_key(url), "new_depth": depth} for url, depth in depths.items()]
    connection.execute(statement, rows)


def forget_pages(connection: Connection, scan_id: int, error_code: str) -> int:
    """Delete the scan's pages stored with `error_code`, with their findings; how many.

    Such a page was never requested (the link graph and resources have nothing from it).
    """
    forgotten = and_(pages.c.scan_id == scan_id, pages.c.error_code == error_code)
    connection.execute(
        delete(findings).where(
            findings.c.scan_id == scan_id,
            findings.c.page_key.in_(select(pages.c.url_key).where(forgotten)),
        )
    )
    return connection.execute(delete(pages).where(forgotten)).rowcount


def _unique(rows: Iterable[Row], key: str) -> list[Row]:
    """The first row for each value of `key`, in order: one statement may not hit a key twice."""
    seen: dict[object, Row] = {}
    for row in rows:
        seen.setdefault(row[key], row)
    return list(seen.values())
