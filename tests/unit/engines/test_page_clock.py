"""The page time limit: a SIGALRM timer around one page, only where this code owns it."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from siteaudit.engines.page_clock import PageOverrun, time_limited


@pytest.fixture
def alarm_free() -> Iterator[None]:
    """SIGALRM as a plain program has it (pytest-timeout keeps its own timer on it): no
    handler, no timer; pytest-timeout's are put back afterwards."""
    handler = signal.getsignal(signal.SIGALRM)
    remaining, interval = signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler)
        if remaining:
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)


@pytest.mark.usefixtures("alarm_free")
def test_a_block_past_its_limit_is_interrupted_and_the_alarm_is_given_back() -> None:
    started = time.monotonic()
    with pytest.raises(PageOverrun):
        time_limited(0.05, time.sleep, 5)
    assert time.monotonic() - started < 2
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.usefixtures("alarm_free")
def test_a_check_catching_exceptions_cannot_swallow_the_overrun() -> None:
    def check_that_catches_everything() -> str:
        try:
            time.sleep(5)
        except Exception:
            return "swallowed"
        return "finished"

    with pytest.raises(PageOverrun):
        time_limited(0.05, check_that_catches_everything)


class SlowToCollect:
    """An object whose finalizer runs Python code for a while (an aiohttp response or a
    transport warning that it was not closed, collected in the middle of a page)."""

    def __del__(self) -> None:
        time.sleep(0.3)


@pytest.mark.usefixtures("alarm_free")
def test_an_overrun_raised_inside_a_finalizer_still_stops_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Python drops an exception raised in a finalizer ("Exception ignored in"): an alarm
    # that rang there let the page run on to its end, unbounded, and be kept as if it had
    # finished in time (the likely cause of a failure of the CLI's page time limit test,
    # seen once under load and not reproduced).
    dropped: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda raised: dropped.append(raised.exc_type))

    def page() -> str:
        SlowToCollect()  # collected at once: the alarm rings inside its finalizer
        return "finished"

    with pytest.raises(PageOverrun):
        time_limited(0.05, page)
    assert dropped == [PageOverrun]  # where the alarm rang
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL


@pytest.mark.usefixtures("alarm_free")
def test_a_block_within_its_limit_finishes_and_disarms_the_timer() -> None:
    assert time_limited(0.5, sum, range(1000)) == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.6)  # the disarmed timer never rings


@pytest.mark.usefixtures("alarm_free")
def test_someone_elses_alarm_is_left_alone_and_the_block_runs_unbounded() -> None:
    rang: list[int] = []

    def theirs(signum: int, _frame: FrameType | None) -> None:
        rang.append(signum)

    signal.signal(signal.SIGALRM, theirs)
    time_limited(0.05, time.sleep, 0.2)
    assert signal.getsignal(signal.SIGALRM) is theirs
    assert rang == []


@pytest.mark.usefixtures("alarm_free")
def test_off_the_main_thread_the_block_runs_unbounded() -> None:
    outcome: list[str] = []

    def page() -> None:
        try:
            time_limited(0.05, time.sleep, 0.2)
            outcome.append("finished")
        except PageOverrun:
            outcome.append("interrupted")

    thread = threading.Thread(target=page)
    thread.start()
    thread.join()
    assert outcome == ["finished"]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
