"""The write queries of a scan's crawl data: pages with their findings, links, site findings.

Each function runs inside the caller's transaction and is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete

from siteaudit.model import Finding
from siteaudit.pipeline.ports import LinkRecord, PageResult
from siteaudit.storage import codec
from siteaudit.storage.sanitize import clean_json, clean_text
from siteaudit.storage.tables import findings, links, pages, utcnow
from siteaudit.storage.upsert import Row, insert_ignoring, insert_replacing

# Bounds the bound parameters of one `IN (...)` (SQLite allows 32766 per statement).
CHUNK = 500
# The unique keys that make each write idempotent.
PAGE_KEY = ("scan_id", "url_key")
LINK_KEY = ("scan_id", "link_key")
FINDING_KEY = ("scan_id", "fingerprint")


def write_pages(connection: Connection, scan_id: int, results: Sequence[PageResult]) -> None:
    """Upsert the pages, then replace the findings their analysis produced."""
    now = utcnow()
    latest: dict[str, tuple[Row, PageResult]] = {}
    for result in results:  # the later of two saves of one URL in a batch wins
        row = {"scan_id": scan_id, **codec.page_values(result), "saved_at": now}
        latest[str(row["url_key"])] = (row, result)
    insert_replacing(connection, pages, [row for row, _ in latest.values()], PAGE_KEY)
    keys = list(latest)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        connection.execute(
            delete(findings).where(findings.c.scan_id == scan_id, findings.c.page_key.in_(chunk))
        )
    rows = (
        {"scan_id": scan_id, **codec.finding_values(finding, key)}
        for key, (_, result) in latest.items()
        for finding in result.findings
    )
    insert_ignoring(connection, findings, _unique(rows, "fingerprint"), FINDING_KEY)


def write_links(connection: Connection, scan_id: int, records: Sequence[LinkRecord]) -> None:
    """Insert link edges; an edge (source, target) already stored for the scan is kept."""
    rows = (_link_row(scan_id, record) for record in records)
    insert_ignoring(connection, links, _unique(rows, "link_key"), LINK_KEY)


def write_site_findings(connection: Connection, scan_id: int, found: Sequence[Finding]) -> None:
    """Insert findings of site-level checks; a fingerprint already stored is kept."""
    rows = ({"scan_id": scan_id, **codec.finding_values(f, None)} for f in found)
    insert_ignoring(connection, findings, _unique(rows, "fingerprint"), FINDING_KEY)


def _link_row(scan_id: int, record: LinkRecord) -> Row:
    source, target = clean_text(record.source), clean_text(record.target)
    return {
        "scan_id": scan_id,
        "source_url": source,
        "target_url": target,
        "target_key": codec.url_key(target),
        "link_key": codec.url_key(f"{source}\x1f{target}"),
        "text": clean_text(record.text),
        "rel": clean_json(sorted(set(record.rel))),
        "internal": record.internal,
    }


def _unique(rows: Iterable[Row], key: str) -> list[Row]:
    """The first row for each value of `key`, in order: one statement may not hit a key twice."""
    seen: dict[object, Row] = {}
    for row in rows:
        seen.setdefault(row[key], row)
    return list(seen.values())
