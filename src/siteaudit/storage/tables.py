"""The relational schema, as SQLAlchemy Core tables (the migrations create exactly this).

Uniqueness is what makes every write idempotent under at-least-once delivery: a site, a
page of a scan, a link of a scan, a finding of a scan and an artifact each exist once.
URLs are unique through a SHA-256 key column (`url_key`, `link_key`) rather than the URL
itself, because a PostgreSQL btree entry is capped at about 2.7 kB and crawled URLs are not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)

# Named constraints let later migrations (and SQLite batch mode) refer to them by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

KEY_LENGTH = 64  # hex SHA-256


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; hand SQLite naive UTC, PostgreSQL aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Always return an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("url_key", String(KEY_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("url_key"),
)

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("status", String(32), nullable=False),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("counters", JSON, nullable=False),
    Column("scores", JSON),
    # What discovery learnt: robots.txt, llms.txt, sitemap files, traps, robots-blocked URLs.
    Column("discovery", JSON),
    # The distributed engine's bookkeeping (migration 0002): see storage/coordination.py.
    Column("engine", String(16), nullable=False, server_default="local"),
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("progressed_at", UTCDateTime),
    Column("frontier", JSON),  # robots verdicts, traps and robots-blocked URLs so far
    Column("aggregate_runs", Integer, nullable=False, server_default="0"),
    # The process running a scan on the embedded engine, `model.report.Runner` (0005).
    Column("runner", JSON),
    Index(None, "site_id", "id"),
    Index(None, "status"),
)

pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_key", String(KEY_LENGTH), nullable=False),
    Column("final_url", Text, nullable=False),
    Column("found_via", String(32), nullable=False),
    Column("depth", Integer, nullable=False),
    Column("status", Integer),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("content_type", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("content_hash", String(128)),
    Column("ttfb_ms", Float),
    Column("total_ms", Float),
    Column("is_html", Boolean, nullable=False),
    Column("title", Text),
    Column("meta_description", Text),
    Column("h1s", JSON, nullable=False),
    Column("canonicals", JSON, nullable=False),
    Column("noindex", Boolean, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("redirects", JSON, nullable=False),
    Column("not_applicable", JSON, nullable=False),
    Column("check_errors", JSON, nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("simhash", String(16)),  # 64-bit simhash as hex: BIGINT is signed
    Column("hreflangs", JSON, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    # What the page offered the frontier besides its links ((URL, depth, found via): redirect
    # targets, canonicals) and whether its links were offered: what `--resume` queues.
    # NULL on pages stored before migration 0007 (their links count as followed).
    Column("offers", JSON),
    Column("follows_links", Boolean),
    # Its redirects ended on another site that turned the crawler away
    # (`Page.refused_elsewhere`); NULL on pages stored before migration 0009 (not refused).
    Column("refused", Boolean),
    UniqueConstraint("scan_id", "url_key"),
)

# URLs listed in the scan's sitemaps (in scope), whether or not they were also linked.
sitemap_urls = Table(
    "sitemap_urls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_key", String(KEY_LENGTH), nullable=False),
    UniqueConstraint("scan_id", "url_key"),
)

links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("source_url", Text, nullable=False),
    Column("target_url", Text, nullable=False),
    Column("target_key", String(KEY_LENGTH), nullable=False),
    Column("link_key", String(KEY_LENGTH), nullable=False),
    Column("text", Text, nullable=False),
    Column("rel", JSON, nullable=False),
    Column("internal", Boolean, nullable=False),
    # Where on the source page: model.page.LINK_POSITIONS (migration 0004).
    Column("position", String(16), nullable=False, server_default="content"),
    UniqueConstraint("scan_id", "link_key"),
    Index(None, "scan_id", "target_key"),
)

# The subresources each page loads (images, scripts, stylesheets, fonts, media, iframes:
# `model.page.Resource`), once per (page, URL), at most `codec.MAX_RESOURCES_PER_PAGE` a
# page; checked once the crawl ends (`engines/resources.py`). Migration 0006.
resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("page_url", Text, nullable=False),
    Column("target_url", Text, nullable=False),
    Column("target_key", String(KEY_LENGTH), nullable=False),
    Column("resource_key", String(KEY_LENGTH), nullable=False),  # the page and the URL
    Column("kind", String(16), nullable=False),
    UniqueConstraint("scan_id", "resource_key"),
    Index(None, "scan_id", "target_key"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(KEY_LENGTH), nullable=False),
    Column("check_id", String(128), nullable=False),
    Column("category", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("locator", Text, nullable=False),
    # The page whose analysis produced it; NULL for site-level findings.
    Column("page_key", String(KEY_LENGTH)),
    UniqueConstraint("scan_id", "fingerprint"),
    # No (scan_id, check_id) index: the per-check counts run faster without it (0003).
    Index(None, "scan_id", "page_key"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(KEY_LENGTH), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("key"),
)


# -- the distributed engine (migration 0002) -------------------------------------------------

# One row per URL the frontier accepted: the database is the Celery engine's frontier and
# its checkpoint. state: queued -> fetched (response staged in `body`) -> done, or failed /
# cancelled. `attempts` counts claims of the current step; `lease_owner` is the task holding
# the claim until `lease_until`; `selected` is set once the page's outlinks were offered.
work = Table(
    "work",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_key", String(KEY_LENGTH), nullable=False),
    Column("depth", Integer, nullable=False),
    Column("found_via", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    Column("selected", Boolean, nullable=False),
    Column("fetched", JSON),  # the staged response's metadata; its body is in `body`
    Column("body", LargeBinary),  # zlib-compressed
    Column("outlinks", JSON),  # (url, depth, found_via) candidates for the frontier
    Column("error", Text),
    UniqueConstraint("scan_id", "url_key"),
    Index(None, "scan_id", "state"),
)

# The URLs a limit kept out of a distributed scan (`reason`: too-deep, page-limit,
# host-limit), once each whichever process's frontier left them out; a row goes when its
# URL is queued after all (offered within the limit by a shorter path). Their count is the
# scan's `discover/skipped/<reason>` counter.
left_out = Table(
    "left_out",
    metadata,
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True),
    Column("url_key", String(KEY_LENGTH), primary_key=True),
    Column("reason", String(16), nullable=False),
)

# Messages to publish, committed with the state change that calls for them; a relay sends
# them and stamps `published_at` (a message may go out twice: every task is idempotent).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task", String(128), nullable=False),
    Column("args", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Index(None, "published_at"),
)

# Pages whose step failed `max_attempts` times; `redrive` puts them back in the queue.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("work_id", ForeignKey("work.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("step", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("redriven_at", UTCDateTime),
    UniqueConstraint("work_id", "step", "created_at"),
)

# Periodic scans: beat starts one scan per cron slot; (schedule, slot) is unique, so two
# beats firing the same slot start it once.
schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("spec", JSON, nullable=False),
    Column("cron", String(128), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("slot", UTCDateTime, nullable=False),
    Column("scan_id", ForeignKey("scans.id", ondelete="SET NULL")),
    UniqueConstraint("schedule_id", "slot"),
)
