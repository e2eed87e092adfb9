"""Periodic scans: schedules and the runs they started, deduplicated by the database.

A run is the pair (schedule, slot), unique: whichever beat (or reconciler) reaches a slot
first inserts the run and its scan in one transaction; a second one inserting the same pair
does nothing, so two beat processes never double a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql

from siteaudit.model import ScanSpec
from siteaudit.storage import codec
from siteaudit.storage.coordination import START, send
from siteaudit.storage.repository import insert_scan
from siteaudit.storage.tables import schedule_runs, schedules, utcnow

# The newest slot of a cron expression at or before `now` and after `since`, or None.
SlotFinder = Callable[[str, datetime, datetime], datetime | None]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A site scanned on a cron expression."""

    id: int
    spec: ScanSpec
    cron: str
    enabled: bool
    created_at: datetime


def add_schedule(engine: Engine, spec: ScanSpec, cron: str) -> int:
    """Store a schedule; its first run is the first slot after now."""
    statement = schedules.insert().values(
        spec=codec.spec_to_json(spec), cron=cron, enabled=True, created_at=utcnow()
    )
    with engine.begin() as connection:
        return int(connection.execute(statement.returning(schedules.c.id)).scalar_one())


def list_schedules(engine: Engine) -> list[Schedule]:
    """Every schedule, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(schedules).order_by(schedules.c.id))
        return [
            Schedule(r.id, codec.spec_from_json(r.spec), r.cron, r.enabled, r.created_at)
            for r in rows
        ]


def remove_schedule(engine: Engine, schedule_id: int) -> bool:
    """Delete a schedule (its past scans stay); False if there was none."""
    with engine.begin() as connection:
        return bool(
            connection.execute(delete(schedules).where(schedules.c.id == schedule_id)).rowcount
        )


def fire_due(engine: Engine, newest_slot: SlotFinder, now: datetime | None = None) -> list[int]:
    """Start the scan of every schedule whose newest slot has no run yet; returns scan ids."""
    now = now or utcnow()
    started: list[int] = []
    for schedule in list_schedules(engine):
        slot = newest_slot(schedule.cron, schedule.created_at, now) if schedule.enabled else None
        if slot is None:
            continue
        with engine.begin() as connection:
            run_id = connection.scalar(
                postgresql.insert(schedule_runs)
                .values(schedule_id=schedule.id, slot=slot)
                .on_conflict_do_nothing(index_elements=["schedule_id", "slot"])
                .returning(schedule_runs.c.id)
            )
            if run_id is None:
                continue  # another beat fired this slot
            scan_id = insert_scan(connection, schedule.spec, engine="celery")
            connection.execute(
                update(schedule_runs).where(schedule_runs.c.id == run_id).values(scan_id=scan_id)
            )
            send(connection, START, scan_id)
        started.append(scan_id)
    return started


def runs(engine: Engine, schedule_id: int) -> list[tuple[datetime, int | None]]:
    """(slot, scan id) of every run of a schedule, oldest first."""
    query = (
        select(schedule_runs.c.slot, schedule_runs.c.scan_id)
        .where(schedule_runs.c.schedule_id == schedule_id)
        .order_by(schedule_runs.c.slot)
    )
    with engine.connect() as connection:
        return [(row.slot, row.scan_id) for row in connection.execute(query)]
