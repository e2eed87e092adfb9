"""The page time limit: a SIGALRM timer around one page, only where this code owns it."""

from __future__ import annotations

import signal
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
