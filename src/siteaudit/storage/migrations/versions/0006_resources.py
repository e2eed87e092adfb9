"""Pages' subresources (images, scripts, stylesheets...) are stored, to be checked once the
crawl ends.

Scans stored before this revision have none: their reports find no broken resource.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("target_key", sa.String(64), nullable=False),
        sa.Column("resource_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name="fk_resources_scan_id_scans", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("scan_id", "resource_key", name="uq_resources_scan_id_resource_key"),
    )
    op.create_index("ix_resources_scan_id_target_key", "resources", ["scan_id", "target_key"])


def downgrade() -> None:
    """Drop it."""
    op.drop_table("resources")
