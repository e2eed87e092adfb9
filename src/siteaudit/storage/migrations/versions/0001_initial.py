"""Initial schema: sites, scans, pages, links, findings, sitemap URLs and artifacts.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KEY = sa.String(64)
UTC_TIME = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _scan_id() -> sa.Column[int]:
    return sa.Column("scan_id", sa.Integer(), nullable=False)


def _scan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["scan_id"], ["scans.id"], name=f"fk_{table}_scan_id_scans", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create every table of the first schema."""
    _create_sites_and_scans()
    _create_pages()
    _create_links_and_findings()
    op.create_table(
        "sitemap_urls",
        _id(),
        _scan_id(),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", KEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sitemap_urls"),
        _scan_fk("sitemap_urls"),
        sa.UniqueConstraint("scan_id", "url_key", name="uq_sitemap_urls_scan_id_url_key"),
    )
    op.create_table(
        "artifacts",
        _id(),
        sa.Column("key", KEY, nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artifacts"),
        sa.UniqueConstraint("key", name="uq_artifacts_key"),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in ("artifacts", "sitemap_urls", "findings", "links", "pages", "scans", "sites"):
        op.drop_table(table)


def _create_sites_and_scans() -> None:
    op.create_table(
        "sites",
        _id(),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("url_key", name="uq_sites_url_key"),
    )
    op.create_table(
        "scans",
        _id(),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=True),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("discovery", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scans"),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_scans_site_id_sites", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_scans_site_id_id", "scans", ["site_id", "id"])
    op.create_index("ix_scans_status", "scans", ["status"])


def _create_pages() -> None:
    op.create_table(
        "pages",
        _id(),
        _scan_id(),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("found_via", sa.String(32), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("ttfb_ms", sa.Float(), nullable=True),
        sa.Column("total_ms", sa.Float(), nullable=True),
        sa.Column("is_html", sa.Boolean(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("meta_description", sa.Text(), nullable=True),
        sa.Column("h1s", sa.JSON(), nullable=False),
        sa.Column("canonicals", sa.JSON(), nullable=False),
        sa.Column("noindex", sa.Boolean(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("redirects", sa.JSON(), nullable=False),
        sa.Column("not_applicable", sa.JSON(), nullable=False),
        sa.Column("check_errors", sa.JSON(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("simhash", sa.String(16), nullable=True),
        sa.Column("hreflangs", sa.JSON(), nullable=False),
        sa.Column("saved_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pages"),
        _scan_fk("pages"),
        sa.UniqueConstraint("scan_id", "url_key", name="uq_pages_scan_id_url_key"),
    )


def _create_links_and_findings() -> None:
    op.create_table(
        "links",
        _id(),
        _scan_id(),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("target_key", KEY, nullable=False),
        sa.Column("link_key", KEY, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rel", sa.JSON(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_links"),
        _scan_fk("links"),
        sa.UniqueConstraint("scan_id", "link_key", name="uq_links_scan_id_link_key"),
    )
    op.create_index("ix_links_scan_id_target_key", "links", ["scan_id", "target_key"])
    op.create_table(
        "findings",
        _id(),
        _scan_id(),
        sa.Column("fingerprint", KEY, nullable=False),
        sa.Column("check_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("page_key", KEY, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        _scan_fk("findings"),
        sa.UniqueConstraint("scan_id", "fingerprint", name="uq_findings_scan_id_fingerprint"),
    )
    op.create_index("ix_findings_scan_id_check_id", "findings", ["scan_id", "check_id"])
    op.create_index("ix_findings_scan_id_page_key", "findings", ["scan_id", "page_key"])
