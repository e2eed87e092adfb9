"""A scan step's sign of life while it runs long without finishing any page.

The reconciler sends a scan's step again once the scan made no progress for
`distributed.stall_s` (its worker died). `discover` and `analyze` can rightly run for many
minutes with nothing to commit: reading hundreds of sitemaps, checking thousands of links
to other sites or a site's resources, all paced by its Crawl-delay. While one runs, a
thread of its worker process marks the scan as progressing every quarter of `stall_s`; the
beats stop with the step, or with the process when it dies, and the reconciler then does
its work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

BEATS_PER_STALL = 4  # beats within one stall_s: three may be lost before the step is resent


@contextmanager
def heartbeat(stall_s: float, beat: Callable[[], None], name: str) -> Iterator[None]:
    """Call `beat()` from a thread every `stall_s / BEATS_PER_STALL` seconds while the
    block runs. A failing beat (the database restarting) is logged and the next one tried."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(stall_s / BEATS_PER_STALL):
            try:
                beat()
            except Exception as exc:  # the next beat may get through: never end the step
                logger.warning("%s: the heartbeat failed: %s", name, exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
