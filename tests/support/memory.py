"""Resident memory of this process, sampled while a block runs (Linux /proc)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MIB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    """Resident set size of this process in bytes, now (not the high-water mark)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


@dataclass(slots=True)
class RssGrowth:
    """How far resident memory rose above its level at the start of the block."""

    baseline: int = 0
    peak: int = 0

    @property
    def mib(self) -> float:
        """Peak growth in MiB."""
        return max(0, self.peak - self.baseline) / MIB


@contextmanager
def rss_growth(interval: float = 0.005) -> Iterator[RssGrowth]:
    """Sample the RSS every `interval` s while the block runs; C allocations count too.

    ru_maxrss would be a lifetime high-water mark, blind to whatever an earlier test in
    the same process already reached; sampling the current RSS is not.
    """
    growth = RssGrowth(baseline=current_rss())
    growth.peak = growth.baseline
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            growth.peak = max(growth.peak, current_rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield growth
    finally:
        stop.set()
        thread.join()
        growth.peak = max(growth.peak, current_rss())
