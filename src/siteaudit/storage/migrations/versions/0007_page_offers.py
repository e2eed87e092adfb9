"""Pages record what they offered the frontier besides their links (redirect targets,
canonicals) and whether their links were followed, so that `--resume` queues what an
uninterrupted scan would.

Pages stored before this revision have neither (NULL): a resume follows their links as
before and misses their redirect targets and canonicals, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns."""
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("offers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("follows_links", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("follows_links")
        batch.drop_column("offers")
