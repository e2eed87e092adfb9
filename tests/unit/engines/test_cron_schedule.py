"""Cron slots of periodic scans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from siteaudit.engines.celery.schedule import check_cron, newest_slot
from siteaudit.errors import ScanInputError


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, second, tzinfo=UTC)


def test_the_newest_slot_at_or_before_now_is_due() -> None:
    assert newest_slot("0 3 * * *", at(0, 0), at(5, 30)) == at(3, 0)
    assert newest_slot("*/15 * * * *", at(0, 0), at(5, 30, 10)) == at(5, 30)


def test_a_slot_before_the_schedule_existed_is_not_due() -> None:
    assert newest_slot("0 3 * * *", at(4, 0), at(5, 30)) is None


def test_after_an_outage_only_the_newest_slot_runs() -> None:
    assert newest_slot("0 * * * *", at(0, 0), at(9, 59)) == at(9, 0)


@pytest.mark.parametrize("bad", ["", "every day", "61 * * * *", "* * * *", "* * * * * *"])
def test_invalid_cron_expressions_are_refused_with_an_example(bad: str) -> None:
    with pytest.raises(ScanInputError, match="0 3"):
        check_cron(bad)


def test_a_valid_expression_is_returned() -> None:
    assert check_cron("0 3 * * 1-5") == "0 3 * * 1-5"
