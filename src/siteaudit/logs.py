"""Logging setup, called only by entrypoints (the CLI, later the API and workers)."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: int = logging.INFO, *, stream: bool = True) -> None:
    """Plain one-line records on stderr; quiet third-party loggers."""
    handler: logging.Handler = (
        logging.StreamHandler(sys.stderr) if stream else logging.NullHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp", "alembic", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
