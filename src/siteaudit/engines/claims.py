"""Which process runs a scan on the embedded engine, so that no two run the same scan.

A scan records its runner (`model.report.Runner`: host name, pid, the process's start time)
when a run begins. `siteaudit scan --resume` refuses a scan whose runner is a live process
on this machine, and `siteaudit scans` lists a scan left unfinished by a process that is
gone as interrupted. The start time (Linux's /proc; elsewhere the pid alone) keeps a pid the
system gave to another process since from passing for the runner. A runner on another
machine (a shared PostgreSQL database) cannot be checked from here: it is not refused.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from siteaudit.errors import ScanInputError
from siteaudit.model.report import Runner
from siteaudit.pipeline.ports import ScanStore

PROC = Path("/proc")


def this_process() -> Runner:
    """The runner this process records."""
    return Runner(socket.gethostname(), os.getpid(), _stat(os.getpid())[1])


def is_running(runner: Runner) -> bool | None:
    """True when `runner` is a live process on this machine, False when it is gone, None
    when it ran on another machine (unknown)."""
    if runner.host != socket.gethostname():
        return None
    try:
        os.kill(runner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    except OSError:  # a pid the system cannot even address: no such process
        return False
    state, started = _stat(runner.pid)
    if state in ("Z", "X"):  # killed, not yet reaped by its parent: it runs nothing
        return False
    return not (runner.started and started and started != runner.started)


def claim(store: ScanStore, scan_id: int) -> None:
    """Record this process as the scan's runner; ScanInputError when another live process
    on this machine runs it. The check and the record are one locked change, so of two
    processes claiming the scan at once, one runs it and the other is refused."""
    me = this_process()

    def choose(holder: Runner | None) -> Runner:
        if holder is not None and holder != me and is_running(holder):
            raise ScanInputError(
                f"scan {scan_id} is still running (process {holder.pid}); stop it first"
                f" (Ctrl-C where it runs), then `siteaudit scan --resume {scan_id}`"
            )
        return me

    store.set_runner(scan_id, choose)


def _stat(pid: int) -> tuple[str, str]:
    """The process's state letter and start time in clock ticks since boot (fields 3 and
    22 of /proc/PID/stat; "" where /proc cannot tell)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return "", ""
    # The command name (field 2) is in parentheses and may hold spaces.
    fields = stat.rpartition(")")[2].split()
    return (fields[0], fields[19]) if len(fields) > 19 else ("", "")
