"""A page's time limit, kept by the process that processes the page.

Extraction and page checks normally take milliseconds, but a crawled site controls the
document: a pathological tree or a text that sends a check's regex backtracking could hold
a process for minutes. `time_limited` arms a one-shot SIGALRM timer around one page; when it
rings, `PageOverrun` is raised inside the page's processing, and the caller stores the page
with the `processing-timeout` error instead of its findings. The scan goes on.

`PageOverrun` is a BaseException so that the `except Exception` that turns a crashing check
into a check error cannot swallow it. The alarm only interrupts Python code: a C call that
never returns (a native parser stuck on a document) is the pool's watchdog's business, which
stops the worker process (`engines/processing.py`).

The alarm is a process-wide resource, so it is only used where this code owns it:
- a page worker process owns it (`own_the_alarm`, called once it is forked: timers are not
  inherited, and whatever handler the parent had is no use there);
- elsewhere (pages processed on the event loop's thread) only on the main thread, when no
  one else installed a SIGALRM handler or armed the timer (a host program or a test runner
  that keeps its own timeouts with it). Otherwise pages there run without a limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

_CAN_ALARM = hasattr(signal, "SIGALRM") and hasattr(signal, "setitimer")


class PageOverrun(BaseException):
    """The page being processed passed its time limit."""


class _Rung:
    """Whether the alarm rang since it was last armed. `PageOverrun` raised where Python
    drops exceptions (a finalizer run by the garbage collector, a weakref callback: printed
    as "Exception ignored in") let the page run on to its end, so `time_limited` looks
    here once the page's work returns."""

    rang = False


def _ring(_signum: int, _frame: FrameType | None) -> None:
    _Rung.rang = True
    raise PageOverrun


def own_the_alarm() -> None:
    """Make this process's SIGALRM raise `PageOverrun` (in a page worker, once forked)."""
    if _CAN_ALARM:
        signal.signal(signal.SIGALRM, _ring)


def time_limited(seconds: float, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, in which `PageOverrun` is raised once it has run `seconds` (see the
    module notes for where the limit cannot be kept; there it runs unbounded). A plain call
    rather than a context manager: it wraps every page (~3 µs here against ~10 µs)."""
    installed = _claim()
    if installed is None:
        return work(*args)
    try:
        _Rung.rang = False
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            done = work(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if _Rung.rang:  # raised where it was dropped (see `_Rung`)
            raise PageOverrun
        return done
    finally:
        if installed:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _claim() -> bool | None:
    """None when the alarm is not ours to use; else whether `_ring` was installed for this
    block only (and must be taken out after it)."""
    if not _CAN_ALARM:
        return None
    handler = signal.getsignal(signal.SIGALRM)
    if handler is _ring:
        return False  # a page worker's own alarm
    if threading.current_thread() is not threading.main_thread():
        return None
    if handler not in (signal.SIG_DFL, None) or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return None  # someone else's
    signal.signal(signal.SIGALRM, _ring)
    return True
