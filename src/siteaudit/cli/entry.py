"""The `siteaudit` command: the CLI, imported with the cyclic garbage collector paused, and
left without tearing its heap down."""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import NoReturn


def run() -> None:
    """Import the CLI, then run it.

    Importing it makes some 150,000 container objects (SQLAlchemy, pydantic, the check
    catalogue) that all live as long as the process. Collections while they are made can
    free nothing, and the first one after them would walk them all: instead they are frozen
    (kept out of every later collection) once made. Together that is a fifth of the start-up
    (100 ms of 0.5 s).
    """
    gc.disable()
    try:
        from siteaudit.cli.main import main  # noqa: PLC0415
    finally:
        gc.freeze()
        gc.enable()
    main()


def console() -> NoReturn:
    """The console script (and `python -m siteaudit`): `run`, then `leave`."""
    try:
        run()
        code = 0
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except KeyboardInterrupt:
        # Ctrl-C before a command took the signal over (the first half second is spent
        # importing) or after it gave it back: a traceback of the import machinery said
        # nothing to a person. A scan stopped this early was not created yet.
        print("siteaudit: interrupted", file=sys.stderr)
        code = 130  # 128 + SIGINT, as shells report it
    leave(code)


def leave(code: int) -> NoReturn:
    """Exit with `code` without the interpreter's teardown: freeing a scan's heap object by
    object took 20 ms after a scan of the PostgreSQL manual. What the teardown does that
    matters is done first: the database connections are closed (SQLite folds its
    write-ahead log back into the file as the last one closes), the log handlers and the
    standard streams are flushed. Every child process has been waited for by then."""
    from siteaudit.storage.database import close_engines  # noqa: PLC0415 (imported already)

    try:
        close_engines()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _exit_code(code: object) -> int:
    """What the interpreter makes of `SystemExit(code)`: None is 0, a number is itself, and
    anything else is printed to standard error and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
