"""The URLs a limit kept out of a distributed scan, once each: their count was the sum of
what each selection's frontier counted, and a frontier made in another process counted
again what an earlier one had, and never took back a URL queued later by a shorter path.

Scans running across this revision keep the counts they had; what is left out from then
on is counted once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "left_out",
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("scan_id", "url_key", name="pk_left_out"),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name="fk_left_out_scan_id_scans", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("left_out")
