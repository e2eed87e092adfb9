"""Cron expressions for periodic scans (croniter), evaluated in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from siteaudit.errors import ScanInputError


def check_cron(expression: str) -> str:
    """The expression if croniter accepts it (five fields, UTC); ScanInputError otherwise."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScanInputError(
            f"not a cron expression: {expression!r} (five fields, e.g. '0 3 * * *' for 03:00 UTC)"
        )
    return expression


def newest_slot(expression: str, since: datetime, now: datetime) -> datetime | None:
    """The newest time the expression names at or before `now` and after `since`, or None.

    Only the newest slot is returned: after an outage, a schedule runs once, not once per
    missed slot.
    """
    slot = croniter(expression, now.astimezone(UTC)).get_prev(datetime)
    if croniter.match(expression, now.astimezone(UTC)):
        slot = now.astimezone(UTC).replace(second=0, microsecond=0)
    slot = slot.astimezone(UTC) if slot.tzinfo else slot.replace(tzinfo=UTC)
    return slot if slot > since else None
