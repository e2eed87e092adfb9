"""What every process the scan forks while its event loop runs does first, and the
descriptors no forked process may keep."""

from __future__ import annotations

import contextlib
import os
import signal

# Descriptors whose end-of-file another process waits for (the write end of a pipe a child
# reads until its parent closes it): a process forked later must not hold a copy, or the
# reader would wait for that process too (a parent killed mid-scan would leave it waiting).
_PARENT_ONLY: set[int] = set()


def parent_only(descriptor: int) -> None:
    """Close `descriptor` in every process forked from now on, until `release`d."""
    _PARENT_ONLY.add(descriptor)


def release(descriptor: int) -> None:
    """No longer close `descriptor` in new children (call it before closing it here)."""
    _PARENT_ONLY.discard(descriptor)


def _close_parent_only() -> None:
    for descriptor in _PARENT_ONLY:
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _PARENT_ONLY.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_parent_only)


def leave_signals_to_the_parent() -> None:
    """Ignore Ctrl-C and stop requests, and stop reporting signals to the parent's loop.

    Ctrl-C and a stop reach the whole process group; the parent decides how to stop (it
    hangs up, or stops waiting). The handlers inherited from the parent's event loop, and
    the wake-up pipe they write to, would report the signal to that loop as if the parent
    had received it twice.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
