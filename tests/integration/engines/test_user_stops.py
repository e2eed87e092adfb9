"""Ctrl-C during a scan, with real signals sent to this process: the first cancels, the
second stops at once, even while the process waits off the event loop."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from siteaudit.engines.runner import user_stops


def signal_later(*delays: float) -> threading.Thread:
    """Send SIGINT to this process after each of `delays` seconds (from a thread)."""

    def send() -> None:
        for delay in delays:
            time.sleep(delay)
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def test_the_first_ctrl_c_cancels_and_the_second_stops_a_blocking_wait_at_once() -> None:
    cancels: list[float] = []
    before = signal.getsignal(signal.SIGINT)

    async def scan() -> None:
        loop = asyncio.get_running_loop()
        with user_stops(loop, lambda: cancels.append(time.monotonic())):
            signal_later(0.2, 0.3)
            await asyncio.sleep(0.4)  # on the loop: the first Ctrl-C cancels
            assert len(cancels) == 1
            # Off the loop, as when waiting for worker processes to store their rows: the
            # second Ctrl-C interrupts the wait instead of waiting for it to end.
            time.sleep(10)

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(scan())
    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGINT) is before  # put back as it was


def test_outside_the_main_thread_signals_are_left_alone() -> None:
    seen: list[object] = []

    def in_thread() -> None:
        async def scan() -> None:
            with user_stops(asyncio.get_running_loop(), lambda: None):
                seen.append(signal.getsignal(signal.SIGINT))

        asyncio.run(scan())

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
