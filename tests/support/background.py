"""Run asyncio test servers on a loop of their own, so synchronous code can crawl them.

`run_scan` owns the main thread's event loop (it calls `asyncio.run`), so a server written
as an async context manager (`web_server`, `raw_server`) is started here on a daemon
thread's loop instead, and stopped when the `with` block ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager

ServerFactory = Callable[[], AbstractAsyncContextManager[str]]


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
