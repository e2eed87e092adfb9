"""What tests compare of finished scans on either engine, and following a distributed one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from siteaudit.engines.celery import service
from siteaudit.engines.runner import ScanOutcome
from siteaudit.model import ScanStatus
from siteaudit.model.events import Progress
from siteaudit.model.report import PageRow
from siteaudit.settings import Settings
from siteaudit.storage.database import open_store

# Checks that measure response times: their verdicts depend on the machine's load.
TIMING_CHECKS = {"ttfb-slow", "response-time-slow"}


@contextmanager
def database(url: str) -> Iterator[Engine]:
    engine = open_store(url).engine
    try:
        yield engine
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Seen:
    """What a test compares of a finished scan, read before its database is closed."""

    status: ScanStatus
    pages: dict[str, str | None]  # URL -> error code
    fingerprints: set[str]


def seen(outcome: ScanOutcome) -> Seen:
    report = outcome.report
    return Seen(
        status=outcome.status,
        pages={p.url: p.error_code for p in report.pages},
        fingerprints={f.fingerprint for f in report.findings if f.check_id not in TIMING_CHECKS},
    )


def follow(settings: Settings, scan_id: int, timeout_s: float = 120) -> Seen:
    coordinator = service.open_coordinator(settings)
    try:
        return seen(service.follow(settings, scan_id, timeout_s=timeout_s, coordinator=coordinator))
    finally:
        coordinator.engine.dispose()


def follow_pages(
    settings: Settings, scan_id: int, timeout_s: float = 120
) -> tuple[ScanStatus, dict[str, PageRow]]:
    """Follow a distributed scan to its end: its status and its pages by URL."""
    coordinator = service.open_coordinator(settings)
    try:
        outcome = service.follow(settings, scan_id, timeout_s=timeout_s, coordinator=coordinator)
        return outcome.status, {page.url: page for page in outcome.report.pages}
    finally:
        coordinator.engine.dispose()


@contextmanager
def followed(
    settings: Settings,
    scan_id: int,
    on_progress: Callable[[Progress], None] | None = None,
    timeout_s: float = 120,
) -> Iterator[ScanOutcome]:
    """Follow a distributed scan to its end; its outcome, whose report reads the database
    until the block ends."""
    coordinator = service.open_coordinator(settings)
    try:
        yield service.follow(
            settings, scan_id, on_progress, timeout_s=timeout_s, coordinator=coordinator
        )
    finally:
        coordinator.engine.dispose()
