"""A `siteaudit worker` with faults injected into page extraction, for the chaos tests.

SITEAUDIT_TEST_POISON: a URL substring; extracting a matching page kills the worker process
(os._exit, as a segfault in a parser would). SITEAUDIT_TEST_SLOW: a URL substring; extracting
a matching page sleeps for SITEAUDIT_TEST_SLOW_S seconds (past the soft time limit).
Everything else is the real worker.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from siteaudit.cli.main import main
from siteaudit.engines.celery import steps
from siteaudit.model import FetchedPage, Page

_real_to_page = steps.to_page


def _faulty_to_page(fetched: FetchedPage, **kwargs: Any) -> Page:
    poison = os.environ.get("SITEAUDIT_TEST_POISON")
    if poison and poison in fetched.url and fetched.status is not None:
        os._exit(137)
    slow = os.environ.get("SITEAUDIT_TEST_SLOW")
    if slow and slow in fetched.url and fetched.status is not None:
        time.sleep(float(os.environ.get("SITEAUDIT_TEST_SLOW_S", "30")))
    return _real_to_page(fetched, **kwargs)


steps.to_page = _faulty_to_page  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(main(["worker", *sys.argv[1:]]))
