"""Which process runs a scan: real processes, this machine's /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siteaudit.engines.claims import claim, is_running, this_process
from siteaudit.errors import ScanInputError
from siteaudit.model import ScanSpec
from siteaudit.model.report import Runner
from siteaudit.storage import open_store


def test_a_live_process_runs_and_a_finished_one_does_not() -> None:
    me = this_process()
    assert me.pid == os.getpid() and is_running(me) is True
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert is_running(Runner(me.host, child.pid, "")) is False


def test_a_killed_process_its_parent_has_not_reaped_yet_does_not_run() -> None:
    me = this_process()
    if not me.started:
        pytest.skip("no /proc here: a process's state cannot be read")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        runner = Runner(me.host, child.pid, "")
        assert is_running(runner) is True
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert is_running(runner) is False  # a zombie: the pid exists, nothing runs
    finally:
        child.kill()
        child.wait()


def test_a_pid_given_to_another_process_since_is_not_the_runner() -> None:
    me = this_process()
    if not me.started:
        pytest.skip("no /proc here: a process's start time cannot be read")
    assert is_running(Runner(me.host, me.pid, str(int(me.started) - 1))) is False


def test_a_runner_on_another_machine_cannot_be_checked() -> None:
    assert is_running(Runner("elsewhere.invalid", os.getpid(), "")) is None


def test_a_scan_run_by_a_live_process_cannot_be_claimed(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'scans.db'}")
    scan_id = store.create_scan(ScanSpec("http://a.test/"))
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        host = this_process().host
        store.set_runner(scan_id, lambda _: Runner(host, other.pid, ""))
        with pytest.raises(ScanInputError, match=f"scan {scan_id} is still running"):
            claim(store, scan_id)
    finally:
        other.kill()
        other.wait()
    claim(store, scan_id)  # its process is gone: this one takes the scan over
    assert store.get_scan(scan_id).runner == this_process()
    claim(store, scan_id)  # and may run it again
