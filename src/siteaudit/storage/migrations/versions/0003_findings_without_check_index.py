"""Findings lose their (scan_id, check_id) index.

Only the per-check counts read by it, and they are faster without it: SQLite walked the
index and fetched each row's URL from the table in index order (24 ms for the 20,000
findings of the PostgreSQL manual, 16 ms with the rows read in table order), and every
finding stored paid for one more index entry (a tenth of what storing a page's rows costs).
A scan's findings are still found by the (scan_id, page_key) index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_findings_scan_id_check_id", table_name="findings")


def downgrade() -> None:
    """Create it again."""
    op.create_index("ix_findings_scan_id_check_id", "findings", ["scan_id", "check_id"])
