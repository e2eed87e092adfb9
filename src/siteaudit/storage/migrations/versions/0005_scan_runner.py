"""Scans record the process that runs them on the embedded engine (host, pid, start time),
so that a scan still running is not resumed by a second process, and one whose process is
gone is listed as interrupted.

Scans stored before this revision have none: they can be resumed as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("runner", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("runner")
