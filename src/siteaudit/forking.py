"""What every process the scan forks while its event loop runs does first."""

from __future__ import annotations

import signal


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
