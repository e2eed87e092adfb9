"""Pages record whether their redirects ended on another site that turned the crawler away
(`Page.refused_elsewhere`: HTTP 999, 429 to every try, a bot-protection challenge), so that
the site checks do not call the links to them broken.

Pages stored before this revision have NULL: read as not refused, as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("refused", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("refused")
