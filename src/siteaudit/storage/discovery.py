"""What discovery learnt, stored with the scan: site files, traps, blocked and sitemap URLs.

Site facts, traps and robots-blocked URLs are one JSON document on the scan row (small and
read whole); sitemap URLs get their own table because a sitemap may list 50,000 URLs per
file and membership is asked per URL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from siteaudit.model.site import SiteFacts, SitemapInfo, Trap
from siteaudit.storage import codec
from siteaudit.storage.sanitize import clean_json, clean_text
from siteaudit.storage.tables import scans, sitemap_urls
from siteaudit.storage.upsert import insert_ignoring

# A site can block millions of faceted URLs; a sample is enough to show the problem.
MAX_ROBOTS_BLOCKED = 10_000
CHUNK = 1000


def write_discovery(
    connection: Connection,
    scan_id: int,
    *,
    facts: SiteFacts,
    traps: Sequence[Trap],
    robots_blocked: Sequence[str],
    listed: Sequence[str],
) -> None:
    """Store the discovery document and the sitemap URLs (idempotent)."""
    document = {
        "facts": dataclasses.asdict(facts),
        "traps": [dataclasses.asdict(trap) for trap in traps],
        "robots_blocked": sorted(robots_blocked)[:MAX_ROBOTS_BLOCKED],
        "robots_blocked_total": len(robots_blocked),
    }
    connection.execute(
        update(scans).where(scans.c.id == scan_id).values(discovery=clean_json(document))
    )
    rows = []
    for url in dict.fromkeys(clean_text(u) for u in listed):
        rows.append({"scan_id": scan_id, "url": url, "url_key": codec.url_key(url)})
    for start in range(0, len(rows), CHUNK):
        insert_ignoring(
            connection, sitemap_urls, rows[start : start + CHUNK], ("scan_id", "url_key")
        )


def read_discovery(
    connection: Connection, scan_id: int
) -> tuple[SiteFacts, tuple[Trap, ...], frozenset[str], frozenset[str]]:
    """Facts, traps, robots-blocked URLs and sitemap URLs stored for the scan."""
    document: Mapping[str, Any] = (
        connection.scalar(select(scans.c.discovery).where(scans.c.id == scan_id)) or {}
    )
    listed = frozenset(
        connection.scalars(select(sitemap_urls.c.url).where(sitemap_urls.c.scan_id == scan_id))
    )
    return (
        _facts(document.get("facts") or {}),
        tuple(Trap(**trap) for trap in document.get("traps", ())),
        frozenset(document.get("robots_blocked", ())),
        listed,
    )


def _facts(document: Mapping[str, Any]) -> SiteFacts:
    sitemaps = tuple(SitemapInfo(**item) for item in document.get("sitemaps", ()))
    return SiteFacts(
        robots_status=document.get("robots_status"),
        robots_txt=document.get("robots_txt"),
        llms_status=document.get("llms_status"),
        llms_txt=document.get("llms_txt"),
        sitemaps=sitemaps,
    )
