"""Ending a step at once when the user stops the scan.

A step that waits on a slow site (sitemaps or checks a Crawl-delay apart) would otherwise
go on sending its queued requests one by one after Ctrl-C or `siteaudit cancel`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def unless_stopped(step: Awaitable[T], stop: asyncio.Event) -> T | None:
    """`step`'s result, or None once `stop` is set first: the step is then cancelled,
    with whatever it was waiting for. A step's own error is raised as it is."""
    task = asyncio.ensure_future(step)
    stopped = asyncio.ensure_future(stop.wait())
    waiting: set[asyncio.Future[Any]] = {task, stopped}
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
        await asyncio.gather(task, stopped, return_exceptions=True)  # both ended, quietly
    # A cancelled gather() ends with CancelledError as its exception, not as cancelled.
    if task.cancelled() or isinstance(task.exception(), asyncio.CancelledError):
        return None
    return task.result()
