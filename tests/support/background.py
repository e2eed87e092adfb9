"""Run test servers beside the code under test: on a loop of their own, or in a process.

`run_scan` owns the main thread's event loop (it calls `asyncio.run`), so a server written
as an async context manager (`web_server`, `raw_server`) is started here on a daemon
thread's loop instead, and stopped when the `with` block ends. `in_child_process` runs a
server module as a process of its own (no GIL shared with the crawler; no copies of its
connections in the page workers a scan in the test's process forks).
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path

ServerFactory = Callable[[], AbstractAsyncContextManager[str]]
ROOT = Path(__file__).resolve().parents[2]  # where `python -m tests.support...` finds `tests`


@contextmanager
def in_background(factory: ServerFactory) -> Iterator[str]:
    """Enter `factory()` on a background loop; yields what it yields (the base URL)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = factory()
    try:
        url = asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(10)
        try:
            yield url
        finally:
            stop = server.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(stop, loop).result(10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def in_child_process(module: str, *args: str) -> Iterator[str]:
    """Run `python -m module args` from the repository's root; yields the first line it
    prints (its address), and ends it (SIGTERM, then SIGKILL after 10 s) when done. Its
    stdin is a pipe from this process: a child that calls `exit_when_parent_ends` exits
    with a killed test session too."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"{module} {' '.join(args)} exited before it printed its address")
        yield line
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def exit_when_parent_ends() -> None:
    """In a child of `in_child_process`: exit once the parent's end of stdin closes (the
    test session ended, or was killed). Nothing when stdin is not a pipe (run by hand)."""
    if not stat.S_ISFIFO(os.fstat(0).st_mode):
        return

    def wait_for_eof() -> None:
        while os.read(0, 4096):
            pass
        os._exit(0)

    threading.Thread(target=wait_for_eof, daemon=True).start()
