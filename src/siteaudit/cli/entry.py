"""The `siteaudit` command: the CLI, imported with the cyclic garbage collector paused."""

from __future__ import annotations

import gc


def run() -> None:
    """Import the CLI, then run it.

    Importing it makes some 150,000 container objects (SQLAlchemy, pydantic, the check
    catalogue) that all live as long as the process: the collections their making triggers
    can free nothing and cost about a tenth of the start-up (45 ms of 0.48 s).
    """
    gc.disable()
    try:
        from siteaudit.cli.main import main  # noqa: PLC0415
    finally:
        gc.enable()
    main()
