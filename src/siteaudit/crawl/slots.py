"""Concurrency slots: a global limit and a per-host limit, taken before any deadline starts.

aiohttp's connector has the same limits, but a request waiting there for a free connection
is already inside our per-response deadline and could time out without ever being sent.
Waiting here first keeps queueing time out of the deadline (and out of the timings).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class Slots(Protocol):
    """What the fetcher asks of its concurrency limits (in-process here, or shared)."""

    def hold(self, host: str) -> AbstractAsyncContextManager[None]:
        """Wait for a slot for `host`, held until the context exits."""
        ...

    def pace(self, host: str, interval_s: float) -> None:
        """Start requests to `host` at least `interval_s` apart."""
        ...

    def space(self, interval_s: float) -> None:
        """Start requests to any one host at least `interval_s` apart from now on (the
        running scan's own delay; 0 for none); a host's own pace applies when longer."""
        ...


class HostSlots:
    """Hands out at most `total` slots at once, and at most `per_host` for any one host."""

    def __init__(self, total: int, per_host: int) -> None:
        self._global = asyncio.Semaphore(total)
        self._per_host = per_host
        self._min_interval = 0.0  # the scan's own delay (`space`); a host's pace may be longer
        # host -> (semaphore, holders + waiters); dropped at zero so the map stays small.
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._paced: dict[str, float] = {}  # host -> its own interval (its Crawl-delay)
        self._next: dict[str, float] = {}  # host -> when its next request may start

    def space(self, interval_s: float) -> None:
        """Start requests to any one host at least `interval_s` apart from now on; a host's
        own pace (its Crawl-delay) applies when longer."""
        self._min_interval = interval_s

    def pace(self, host: str, interval_s: float) -> None:
        """Start requests to `host` at least `interval_s` apart (0 stops pacing it)."""
        if interval_s > 0:
            self._paced[host] = interval_s
        else:
            self._paced.pop(host, None)

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        """Wait for a slot for `host` (host first, so no global slot idles behind it)."""
        semaphore = self._enter(host)
        try:
            async with semaphore:
                await self._turn(host)
                async with self._global:
                    yield
        finally:
            self._leave(host)

    async def _turn(self, host: str) -> None:
        """Wait for a paced host's next start time, reserving it before sleeping."""
        interval = max(self._paced.get(host, 0.0), self._min_interval)
        if not interval:
            return
        now = time.monotonic()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + interval
        if start > now:
            await asyncio.sleep(start - now)

    def _enter(self, host: str) -> asyncio.Semaphore:
        semaphore, users = self._hosts.get(host) or (asyncio.Semaphore(self._per_host), 0)
        self._hosts[host] = (semaphore, users + 1)
        return semaphore

    def _leave(self, host: str) -> None:
        semaphore, users = self._hosts[host]
        if users <= 1:
            del self._hosts[host]
        else:
            self._hosts[host] = (semaphore, users - 1)

    def busy_hosts(self) -> int:
        """How many hosts have a request running or waiting."""
        return len(self._hosts)
