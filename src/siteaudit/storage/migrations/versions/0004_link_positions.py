"""Links record where on their page they sit: navigation, header, footer, aside or content.

Links stored before this revision are taken as content (the server default).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("links") as batch:
        batch.add_column(
            sa.Column("position", sa.String(16), nullable=False, server_default="content")
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("links") as batch:
        batch.drop_column("position")
