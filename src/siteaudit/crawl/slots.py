"""Concurrency slots: a global limit and a per-host limit, taken before any deadline starts.

aiohttp's connector has the same limits, but a request waiting there for a free connection
is already inside our per-response deadline and could time out without ever being sent.
Waiting here first keeps queueing time out of the deadline (and out of the timings).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class SlotWaitExpiredError(Exception):
    """No slot for a host came free before the deadline its caller set (`Slots.hold`): the
    URL was not requested, and its caller should try it again later. The fetcher lets this
    through rather than reporting a failed fetch: waiting is not the page's fault."""


class SendingStoppedError(Exception):
    """The scan was stopped while this request waited for its host's turn: it was not sent
    (`stop_sending_when`). Like `SlotWaitExpiredError`, the fetcher lets it through."""


_STOPPED: ContextVar[Callable[[], bool] | None] = ContextVar("siteaudit_stopped", default=None)


@contextmanager
def stop_sending_when(stopped: Callable[[], bool]) -> Iterator[None]:
    """Requests of the tasks created in this block are not sent once `stopped()` is true:
    one that was waiting for its host's turn (a Crawl-delay paces them) raises
    `SendingStoppedError` when the turn comes. Without it, the requests queued when the
    user stopped a scan were still sent, one per turn."""
    token = _STOPPED.set(stopped)
    try:
        yield
    finally:
        _STOPPED.reset(token)


def sending_stopped() -> bool:
    """True when the current context's stop condition (`stop_sending_when`) holds."""
    stopped = _STOPPED.get()
    return stopped is not None and stopped()


class Slots(Protocol):
    """What the fetcher asks of its concurrency limits (in-process here, or shared)."""

    def hold(self, host: str) -> AbstractAsyncContextManager[None]:
        """Wait for a slot for `host`, held until the context exits; shared slots may raise
        `SlotWaitExpiredError` when their caller set a deadline (`slot_deadline`)."""
        ...

    def pace(self, host: str, interval_s: float) -> None:
        """Start requests to `host` at least `interval_s` apart."""
        ...

    def space(self, interval_s: float) -> None:
        """Start requests to any one host at least `interval_s` apart from now on (the
        running scan's own delay; 0 for none); a host's own pace applies when longer."""
        ...

    def slow_down(self, host: str, wait_s: float) -> None:
        """`host` answered 429 or 503: start nothing there for `wait_s`, then space its
        requests (`Throttle`)."""
        ...

    def speed_up(self, host: str) -> None:
        """`host` answered a request well: ease its spacing, if it has any."""
        ...

    def wake(self, host: str) -> None:
        """End the waits for `host`'s turns now: its circuit opened, so what waits will be
        skipped, not sent, and need not wait out its spacing first."""
        ...


@dataclass(slots=True)
class Throttle:
    """The spacing hosts earn by asking to slow down (HTTP 429, or 503), as search engine
    crawlers back off.

    A refusal halves the rate the host was answering at: the rate its spacing allowed,
    else the good answers of the last second, spaced by `START_S` at most (a second not
    yet over undercounts), or `START_S` when it answered nothing then; at most once per
    `SETTLE_S` or interval, since the requests already under way when a server refuses all
    come back refused together (a window rate limiter refuses everything until its next
    window); at most `MAX_S`. Good answers then bring the rate back: by `EASE` of the
    interval each while under half the rate the host last refused at (or when that is not
    known), then by `PROBE` requests a second each, past which the host refuses again: the
    additive increase and multiplicative decrease of TCP, so a rate-limited host is asked
    at three quarters of its limit on average, one refusal a cycle. Under `DROP_S` the
    interval is gone.

    Before (the interval eased by `EASE` down to 0.05 s, then dropped), a host limiting
    its rate above 20 requests a second was asked in bursts that it refused, each burst
    restarting the spacing at 0.25 s: the PostgreSQL manual limited to 50 requests a second
    took 70 s (23 would do), refused about 70 times.

    The Celery fleet spaces hosts by the same rules in Redis (engines/celery/politeness.py);
    for the first refusal it counts the requests it started to the host, not good answers.
    """

    START_S: ClassVar[float] = 0.25
    MAX_S: ClassVar[float] = 5.0
    EASE: ClassVar[float] = 0.1
    SETTLE_S: ClassVar[float] = 1.0
    PROBE: ClassVar[float] = 0.25  # requests a second, per good answer
    DROP_S: ClassVar[float] = 0.002
    intervals: dict[str, float] = field(default_factory=dict)
    doubled_at: dict[str, float] = field(default_factory=dict)
    # The rate (requests a second) each host answered at before its last refusal.
    refused_at: dict[str, float] = field(default_factory=dict)
    # Good answers per host: [start of this second, answers in it, answers the second
    # before], for the rate over the last second (a sliding window counter).
    answered: dict[str, list[float]] = field(default_factory=dict)

    def slow_down(self, host: str) -> None:
        """Halve `host`'s rate (or start spacing it), unless that was done less than
        `SETTLE_S` or one interval ago."""
        now = time.monotonic()
        interval = self.intervals.get(host, 0.0)
        if interval and now - self.doubled_at.get(host, 0.0) < max(interval, self.SETTLE_S):
            return
        if interval:  # spaced already: refused at the spacing's rate
            self.refused_at[host] = 1 / interval
            interval *= 2
        elif rate := self._rate(host, now):  # half what it answered, 4 a second at most
            self.refused_at[host] = rate
            interval = min(2 / rate, self.START_S)
        else:  # refused before any answer in the last second
            interval = self.START_S
        self.intervals[host] = min(interval, self.MAX_S)
        self.doubled_at[host] = now

    def speed_up(self, host: str) -> None:
        """Note a good answer of `host`, and ease its interval if it has one."""
        now = time.monotonic()
        counts = self._counts(host, now)
        counts[1] += 1
        interval = self.intervals.get(host)
        if interval is None:  # the common case: the host never asked to slow down
            return
        limit = self.refused_at.get(host)
        if limit is None or 1 / interval < limit / 2:
            eased = interval * (1 - self.EASE)
        else:
            eased = 1 / (1 / interval + self.PROBE)
        if eased < self.DROP_S:
            for kept in (self.intervals, self.doubled_at, self.refused_at):
                kept.pop(host, None)
        else:
            self.intervals[host] = eased

    def of(self, host: str) -> float:
        """`host`'s interval now (0 when it has none)."""
        return self.intervals.get(host, 0.0)

    def _rate(self, host: str, now: float) -> float:
        """Good answers a second from `host` over the last second."""
        if host not in self.answered:
            return 0.0
        start, current, before = self._counts(host, now)
        return current + before * (1 - (now - start))

    def _counts(self, host: str, now: float) -> list[float]:
        """`host`'s entry of `answered`, moved on to the second `now` is in."""
        counts = self.answered.get(host)
        if counts is None:
            counts = self.answered[host] = [now, 0, 0]
        elapsed = now - counts[0]
        if elapsed >= 1:  # a new second: the one before it is this one, or nothing
            counts[:] = [now, 0, counts[1] if elapsed < 2 else 0]
        return counts


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
        self._sent: dict[str, float] = {}  # paced host -> when its last request went out
        self._throttle = Throttle()  # host -> the interval it asked for with 429s and 503s
        self._wakes: dict[str, asyncio.Event] = {}  # host -> set to end its turns' waits

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

    def slow_down(self, host: str, wait_s: float) -> None:
        """Start nothing at `host` for `wait_s`, then space its requests (`Throttle`)."""
        self._throttle.slow_down(host)
        self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + wait_s)

    def speed_up(self, host: str) -> None:
        """Ease `host`'s spacing after a good answer."""
        self._throttle.speed_up(host)

    def wake(self, host: str) -> None:
        """End the waits for `host`'s turns now (its circuit opened: they will be skipped)."""
        woken = self._wakes.pop(host, None)
        if woken is not None:
            woken.set()
        self._next.pop(host, None)
        self._sent.pop(host, None)

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        """Wait for a slot for `host` (host first, so no global slot idles behind it)."""
        semaphore = self._enter(host)
        try:
            async with semaphore:
                interval = await self._turn(host)
                async with self._global:
                    if interval:
                        await self._keep_apart(host, interval)
                    yield
        finally:
            self._leave(host)

    async def _turn(self, host: str) -> float:
        """Wait for a paced host's next start time, reserving it before sleeping; returns
        the host's interval, 0 when it is not paced or its waits were ended (`wake`)."""
        interval = max(self._paced.get(host, 0.0), self._min_interval, self._throttle.of(host))
        if not interval:
            return 0.0
        now = time.monotonic()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + interval
        return 0.0 if await self._sleep(host, start - now) else interval

    async def _keep_apart(self, host: str, interval: float) -> None:
        """Wait until `interval` has passed since the host's last request went out, not
        only its reserved turn: a request that went out late (the event loop was busy when
        its turn came, or it waited for a global slot) left the next one's turn too close
        behind it, and the site saw two requests less than its Crawl-delay apart."""
        last = self._sent.get(host)
        if last is not None:
            await self._sleep(host, last + interval - time.monotonic())
        sent = self._sent[host] = time.monotonic()
        self._next[host] = max(self._next.get(host, 0.0), sent + interval)

    async def _sleep(self, host: str, seconds: float) -> bool:
        """Wait `seconds` (if positive), or until `wake(host)`; True when woken."""
        if seconds <= 0:
            return False
        woken = self._wakes.setdefault(host, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), seconds)
        return woken.is_set()

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
