"""Conversions between domain objects and the rows and JSON documents that store them.

Every string that a crawled site controls passes through `siteaudit.storage.sanitize`
on its way in, so a page can always be stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from siteaudit.model import (
    Category,
    CategoryScore,
    Finding,
    RedirectHop,
    ScanSpec,
    ScanStatus,
    Scores,
    Severity,
)
from siteaudit.model.page import NOINDEX_DIRECTIVES, Resource
from siteaudit.model.report import PageRow, Runner, ScanInfo
from siteaudit.model.site import SitePage
from siteaudit.pipeline.ports import LinkRecord, PageResult, PageRows
from siteaudit.storage.sanitize import clean_json, clean_optional, clean_text

# Enum members by value: a dict lookup per finding read, where Category(value) costs four
# calls (a report reads every finding of the scan).
_CATEGORIES = {category.value: category for category in Category}
_SEVERITIES = {severity.value: severity for severity in Severity}
# Subresources stored per page, the first ones in document order: what a site can make one
# page cost the scan (a page of 100,000 images stores 1,000 and is judged on them).
MAX_RESOURCES_PER_PAGE = 1_000
_HALF_KEY = 32  # hex digits: half of a `url_key` (tables.KEY_LENGTH)


def url_key(url: str) -> str:
    """The SHA-256 hex digest that stands for an (already cleaned) URL in unique keys."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def pair_key(source_key: str, target_key: str) -> str:
    """The unique key of an edge from one URL to another (a link, a page's resource), of
    their `url_key`s: the first half of the source's, then of the target's (128 bits
    each). The edges of one page share their first half, so the unique index takes them
    in one place: with SHA-256 of the pair, each edge went to a random place of an index
    as large as the table, and inserting links cost twice as much (a shop of 5,000 pages
    with a 450-link menu on each, `bench/crawl.py --sites menu`: 2.3 million links).
    """
    return source_key[:_HALF_KEY] + target_key[:_HALF_KEY]


def spec_to_json(spec: ScanSpec) -> dict[str, object]:
    """The spec as a JSON document."""
    return {name: clean_json(value) for name, value in dataclasses.asdict(spec).items()}


def spec_from_json(document: Mapping[str, Any]) -> ScanSpec:
    """The spec back from its JSON document; unknown keys (from a newer version) are dropped."""
    known = {f.name for f in dataclasses.fields(ScanSpec)}
    values = {key: value for key, value in document.items() if key in known}
    for name in ("include", "exclude", "strip_params"):
        if name in values:
            values[name] = tuple(values[name])
    return ScanSpec(**values)


def scores_to_json(scores: Scores) -> dict[str, object]:
    """The document `SqlScanStore.save_scores` expects: site score and one entry per category."""
    return {
        "site": scores.site,
        "categories": [
            {**dataclasses.asdict(c), "category": c.category.value} for c in scores.categories
        ],
    }


def scores_from_json(document: Mapping[str, Any] | None) -> Scores:
    """Scores back from `scores_to_json`'s document; no document means nothing was scored."""
    if not document:
        return Scores(site=None, categories=())
    categories = tuple(
        CategoryScore(
            category=Category(item["category"]),
            score=item.get("score"),
            checks=int(item.get("checks", 0)),
            failed_checks=int(item.get("failed_checks", 0)),
            findings=int(item.get("findings", 0)),
        )
        for item in document.get("categories", ())
    )
    return Scores(site=document.get("site"), categories=categories)


def page_values(result: PageResult) -> dict[str, object]:
    """The `pages` row (without scan id and timestamps) for one processed page."""
    page = result.page
    url = clean_text(page.url)
    return {
        "url": url,
        "url_key": url_key(url),
        "final_url": clean_text(page.final_url),
        "found_via": result.found_via,
        "depth": page.depth,
        "status": page.status,
        "error_code": clean_optional(page.error_code),
        "error_message": clean_optional(page.error_message),
        "content_type": clean_text(page.content_type),
        "size_bytes": page.size_bytes,
        "content_hash": page.content_hash,
        "ttfb_ms": page.ttfb_ms,
        "total_ms": page.total_ms,
        "is_html": page.is_html,
        "title": clean_optional(page.title),
        "meta_description": clean_optional(page.meta_description),
        "h1s": clean_json(page.h1s),
        "canonicals": clean_json(page.canonicals),
        "noindex": not page.robots_directives.isdisjoint(NOINDEX_DIRECTIVES),
        "headers": clean_json(page.headers),
        "redirects": clean_json([dataclasses.asdict(hop) for hop in page.redirects]),
        "not_applicable": sorted(set(result.not_applicable)),
        "check_errors": clean_json(result.check_errors),
        "word_count": page.word_count,
        "simhash": None if page.simhash is None else f"{page.simhash:016x}",
        "hreflangs": clean_json([[h.lang, h.url] for h in page.hreflangs]),
        "offers": clean_json([list(offer) for offer in result.offers]),
        "follows_links": result.follows_links,
        "refused": page.refused_elsewhere,
    }


def page_rows(result: PageResult, links: Sequence[LinkRecord]) -> PageRows:
    """The rows that store one processed page, its findings and its outlinks (no scan id).

    Pure, so that the local engine's worker processes build them and the single writer
    only executes the statements.
    """
    page = page_values(result)
    url, key = str(page["url"]), str(page["url_key"])
    own = {url: key}  # the source of its links
    return PageRows(
        url_key=key,
        page=page,
        findings=tuple(finding_values(finding, key) for finding in result.findings),
        links=tuple(link_values(record, own) for record in links),
        resources=resource_values(url, result.page.resources[:MAX_RESOURCES_PER_PAGE]),
    )


def resource_values(page_url: str, found: Sequence[Resource]) -> tuple[dict[str, object], ...]:
    """The `resources` rows (without scan id) of a page at `page_url` (cleaned already):
    one per URL, of the kind it first appears as."""
    rows: dict[str, dict[str, object]] = {}
    page_key = url_key(page_url)
    for resource in found:
        target = clean_text(resource.url)
        if target not in rows:
            target_key = url_key(target)
            rows[target] = {
                "page_url": page_url,
                "target_url": target,
                "target_key": target_key,
                "resource_key": pair_key(page_key, target_key),
                "kind": resource.kind,
            }
    return tuple(rows.values())


def link_values(record: LinkRecord, keys: Mapping[str, str] | None = None) -> dict[str, object]:
    """The `links` row (without scan id) for one edge; `keys` may hold the `url_key` of its
    (cleaned) source, to spare computing it again for each of a page's links."""
    source, target = clean_text(record.source), clean_text(record.target)
    source_key = keys.get(source) if keys else None
    target_key = url_key(target)
    return {
        "source_url": source,
        "target_url": target,
        "target_key": target_key,
        "link_key": pair_key(source_key or url_key(source), target_key),
        "text": clean_text(record.text),
        "rel": clean_json(sorted(set(record.rel))),
        "internal": record.internal,
        "position": record.position,
    }


def finding_values(finding: Finding, page_key: str | None) -> dict[str, object]:
    """The `findings` row (without scan id) for one finding."""
    return {
        "fingerprint": finding.fingerprint,
        "check_id": finding.check_id,
        "category": finding.category.value,
        "severity": finding.severity.value,
        "url": clean_text(finding.url),
        "message": clean_text(finding.message),
        "evidence": clean_text(finding.evidence),
        "locator": clean_text(finding.locator),
        "page_key": page_key,
    }


def finding_from_row(row: Any) -> Finding:
    """A `Finding` from a row of the `FINDING_FIELDS` columns of `findings`, with its stored
    fingerprint.

    Unpacked by position: a report reads every finding of the scan, and a Row's attribute
    access cost four times what building the Finding does.
    """
    check_id, category, severity, url, message, evidence, locator, fingerprint = row
    return Finding(
        check_id,
        _CATEGORIES[category],
        _SEVERITIES[severity],
        url,
        message,
        evidence,
        locator,
        stored_fingerprint=fingerprint,
    )


def redirects_from_json(document: list[Any]) -> tuple[RedirectHop, ...]:
    """The redirect chain back from its JSON list."""
    return tuple(RedirectHop(str(h["url"]), int(h["status"]), str(h["location"])) for h in document)


# The `pages` columns `page_row_from_row` reads, in the order it unpacks them (a report
# needs none of the per-page JSON lists, whose decoding would double its reading time).
PAGE_ROW_COLUMNS = (
    "url",
    "final_url",
    "status",
    "depth",
    "title",
    "content_type",
    "size_bytes",
    "content_hash",
    "ttfb_ms",
    "total_ms",
    "redirects",
    "error_code",
    "error_message",
    "found_via",
)


def page_row_from_row(row: Any) -> PageRow:
    """A report `PageRow` from a row of the `PAGE_ROW_COLUMNS` of `pages` and the inlink
    count after them."""
    (
        url,
        final_url,
        status,
        depth,
        title,
        content_type,
        size_bytes,
        content_hash,
        ttfb_ms,
        total_ms,
        redirects,
        error_code,
        error_message,
        found_via,
        inlinks,
    ) = row
    return PageRow(
        url=url,
        final_url=final_url,
        status=status,
        depth=depth,
        title=title,
        content_type=content_type,
        size_bytes=size_bytes,
        content_hash=content_hash,
        ttfb_ms=ttfb_ms,
        total_ms=total_ms,
        redirects=redirects_from_json(redirects),
        error_code=error_code,
        error_message=error_message,
        found_via=found_via,
        inlinks=inlinks,
    )


# The `pages` columns `site_page_from_row` reads (not the per-page JSON lists nobody
# there needs), in the order it unpacks them.
SITE_PAGE_COLUMNS = (
    "url",
    "final_url",
    "status",
    "depth",
    "is_html",
    "title",
    "meta_description",
    "h1s",
    "canonicals",
    "content_hash",
    "noindex",
    "error_code",
    "found_via",
    "redirects",
    "word_count",
    "simhash",
    "hreflangs",
    "follows_links",
    "refused",
)


def site_page_from_row(row: Any) -> SitePage:
    """A `SitePage` from a row of the `SITE_PAGE_COLUMNS` of `pages` (unpacked by position).

    `canonical` is set only when the page declares exactly one distinct canonical URL:
    search engines ignore conflicting canonicals, so cross-page checks should too.
    """
    (
        url,
        final_url,
        status,
        depth,
        is_html,
        title,
        meta_description,
        h1s,
        canonicals,
        content_hash,
        noindex,
        error_code,
        found_via,
        redirects,
        word_count,
        simhash,
        hreflangs,
        follows_links,
        refused,
    ) = row
    distinct = set(canonicals)
    return SitePage(
        url=url,
        final_url=final_url,
        status=status,
        depth=depth,
        is_html=is_html,
        title=title,
        meta_description=meta_description,
        h1s=tuple(h1s),
        canonical=distinct.pop() if len(distinct) == 1 else None,
        content_hash=content_hash,
        noindex=noindex,
        error_code=error_code,
        found_via=found_via,
        redirect_hops=len(redirects),
        word_count=word_count,
        simhash=None if simhash is None else int(simhash, 16),
        hreflangs=tuple((str(lang), str(target)) for lang, target in hreflangs),
        follows_links=follows_links is not False,  # NULL (stored before 0007): followed
        refused=refused is True,  # NULL (stored before 0009): not refused
    )


def scan_info_from_row(row: Any) -> ScanInfo:
    """A `ScanInfo` from a `scans` row joined with its site's URL as `start_url`."""
    return ScanInfo(
        id=row.id,
        start_url=row.start_url,
        status=ScanStatus(row.status),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        settings=dict(row.spec),
        error=row.error,
        counters={str(k): int(v) for k, v in row.counters.items()},
        runner=runner_from_json(row.runner),
    )


def runner_to_json(runner: Runner) -> dict[str, object]:
    """The stored form of a scan's `Runner`."""
    return {"host": runner.host, "pid": runner.pid, "started": runner.started}


def runner_from_json(value: Any) -> Runner | None:
    """The `Runner` stored with a scan; None without one (or a malformed one)."""
    if not isinstance(value, dict):
        return None
    try:
        return Runner(str(value["host"]), int(value["pid"]), str(value.get("started", "")))
    except (KeyError, TypeError, ValueError):
        return None
