"""The distributed engine: work rows, outbox, dead letters, schedules; scan bookkeeping.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY = sa.String(64)
UTC_TIME = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _scan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["scan_id"], ["scans.id"], name=f"fk_{table}_scan_id_scans", ondelete="CASCADE"
    )


def upgrade() -> None:
    """Add the scan bookkeeping columns and the distributed engine's tables."""
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("engine", sa.String(16), nullable=False, server_default="local"))
        batch.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("progressed_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("frontier", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("aggregate_runs", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "work",
        _id(),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("found_via", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("fetched", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("outlinks", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_work"),
        _scan_fk("work"),
        sa.UniqueConstraint("scan_id", "url_key", name="uq_work_scan_id_url_key"),
    )
    op.create_index("ix_work_scan_id_state", "work", ["scan_id", "state"])
    op.create_table(
        "outbox",
        _id(),
        sa.Column("task", sa.String(128), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_table(
        "dead_letters",
        _id(),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("redriven_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
        _scan_fk("dead_letters"),
        sa.ForeignKeyConstraint(
            ["work_id"], ["work.id"], name="fk_dead_letters_work_id_work", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "work_id", "step", "created_at", name="uq_dead_letters_work_id_step_created_at"
        ),
    )
    op.create_table(
        "schedules",
        _id(),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
    )
    op.create_table(
        "schedule_runs",
        _id(),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("slot", UTC_TIME, nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_runs"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name="fk_schedule_runs_schedule_id_schedules",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name="fk_schedule_runs_scan_id_scans", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("schedule_id", "slot", name="uq_schedule_runs_schedule_id_slot"),
    )


def downgrade() -> None:
    """Drop the distributed engine's tables and columns."""
    for table in ("schedule_runs", "schedules", "dead_letters", "outbox", "work"):
        op.drop_table(table)
    with op.batch_alter_table("scans") as batch:
        for column in ("aggregate_runs", "frontier", "progressed_at", "cancel_requested", "engine"):
            batch.drop_column(column)
