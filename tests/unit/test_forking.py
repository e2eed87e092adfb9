"""A forked child leaves Ctrl-C, stops and the parent loop's wake-up pipe to the parent."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import os, signal, socket
from siteaudit.forking import leave_signals_to_the_parent
ours, theirs = socket.socketpair()
ours.setblocking(False)
signal.set_wakeup_fd(ours.fileno())  # as an event loop does
signal.signal(signal.SIGINT, lambda *_: None)
leave_signals_to_the_parent()
print(signal.set_wakeup_fd(-1), signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
      signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)
"""


def test_the_child_ignores_stops_and_writes_nothing_to_the_loop() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["-1", "True", "True"]
