"""How many large response bodies a scan's process holds at once.

A fetched page is held from the moment its body is read until it has been processed; with
16 requests at once and pages of 8 MB, the scan's process held sixteen of them, and a
higher `--concurrency` held more (64 requests of 10 MB bodies: over a gigabyte). Requests
made under a `BodyGate` (`gate_large_bodies`) read a body past `LARGE_BODY_BYTES` only while
they hold one of its permits; the caller releases it once the page is processed
(`BodyGate.release`). Smaller bodies never wait, so sites of ordinary pages see no change.

A request waiting for a permit reads nothing: the server's data waits in the socket (TCP
flow control holds it back), aiohttp drops its read timeout while reading is paused, and
the fetcher moves its own deadline by the time waited, so the wait is not the server's
fault. A permit is held by a task, at most one per task: a task never waits for a second
one, so the holders can always finish and release theirs.

A gate that must not wait (`BodyGate(wait=False)`: a Celery fetch task, whose bodies are
all held until its whole batch is fetched, so a permit could never come free) refuses the
body instead: the request raises `BodyDeferredError`, and its page is fetched again later,
alone (crawl/fetcher.py lets the error through, as it does a slot wait that expired).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: A body larger than this needs a permit (a page of the PostgreSQL manual is ~50 KB).
LARGE_BODY_BYTES = 1024 * 1024
#: Permits, at least: two a page worker (the page it is on and the next one) keep them busy.
LARGE_BODIES = 4


class BodyDeferredError(Exception):
    """A large body was not read: every permit of a gate that does not wait is held. The
    page is not at fault; its caller fetches it again later, alone."""


_GATE: ContextVar[BodyGate | None] = ContextVar("siteaudit_body_gate", default=None)


class BodyGate:
    """At most `permits` large bodies held at once by the tasks that use the gate; without
    `wait`, a body past them is refused (`BodyDeferredError`) rather than waited for."""

    def __init__(self, permits: int = LARGE_BODIES, *, wait: bool = True) -> None:
        self._free = asyncio.Semaphore(permits)
        self._wait = wait
        self._holders: set[asyncio.Task[object]] = set()

    @property
    def held(self) -> int:
        """Permits held now."""
        return len(self._holders)

    async def admit(self) -> None:
        """Wait for a permit for the current task (at once when it holds one already); a
        gate that does not wait raises `BodyDeferredError` when none is free."""
        task = asyncio.current_task()
        assert task is not None, "a gate is used from a task"
        if task in self._holders:
            return
        if not self._wait and self._free.locked():
            raise BodyDeferredError(f"all {self.held} large-body permits are held")
        await self._free.acquire()
        self._holders.add(task)

    def release(self) -> None:
        """Give back the current task's permit, if it holds one."""
        task = asyncio.current_task()
        if task in self._holders:
            self._holders.discard(task)
            self._free.release()


@contextmanager
def gate_large_bodies(gate: BodyGate) -> Iterator[None]:
    """Requests of the tasks created in this block read large bodies under `gate`."""
    token = _GATE.set(gate)
    try:
        yield
    finally:
        _GATE.reset(token)


def current_gate() -> BodyGate | None:
    """The gate the current task's requests read large bodies under, if any."""
    return _GATE.get()
