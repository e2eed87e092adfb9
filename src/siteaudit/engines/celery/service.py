"""The Celery engine as the CLI uses it: submit, follow, cancel, run workers and beat.

Submission never waits for the broker: the scan and its first message are committed
together, then one publish is tried without retries; if the broker is down the message
stays in the outbox and goes out with the next relay (any worker's, beat's reconciler, or a
`--wait`ing CLI's own).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from celery import Celery

from siteaudit.engines.celery.app import TASKS, make_app
from siteaudit.engines.celery.events import EventLog, events_url
from siteaudit.engines.celery.schedule import check_cron
from siteaudit.engines.runner import ScanOutcome, build_catalogue
from siteaudit.model import ScanSpec, ScanStatus
from siteaudit.model.events import Progress
from siteaudit.pipeline.reporting import with_check_infos
from siteaudit.settings import Settings
from siteaudit.storage import schedules
from siteaudit.storage.coordination import (
    CANCELLED,
    DONE,
    FAILED,
    FETCHED,
    DeadLetter,
    Message,
    SqlCoordinator,
)
from siteaudit.storage.coordination import Progress as ScanProgress
from siteaudit.storage.database import open_store

logger = logging.getLogger(__name__)

POLL_S = 0.2  # how often --wait reads progress (and relays the outbox)


def open_coordinator(settings: Settings) -> SqlCoordinator:
    """The coordinator on the migrated database (DistributedDatabaseError for SQLite)."""
    return SqlCoordinator(open_store(settings.database_url).engine)


def publish_once(app: Celery) -> Callable[[Message], None]:
    """A publisher that tries each message once: the outbox keeps what it cannot send."""

    def publish(message: Message) -> None:
        name, queue = TASKS[message.task]
        app.send_task(name, args=message.args, queue=queue, retry=False)

    return publish


def relay_now(app: Celery, coordinator: SqlCoordinator) -> bool:
    """Publish the outbox once; False (logged) when the broker cannot be reached."""
    try:
        coordinator.relay(publish_once(app))
    except Exception as exc:
        logger.warning("the broker is unreachable (%s); the scan starts when it is back", exc)
        return False
    return True


def submit(settings: Settings, spec: ScanSpec) -> tuple[int, bool]:
    """Create a distributed scan; returns its id and whether its first message went out."""
    coordinator = open_coordinator(settings)
    try:
        scan_id = coordinator.submit(spec)
        return scan_id, relay_now(make_app(settings), coordinator)
    finally:
        coordinator.engine.dispose()


def follow(
    settings: Settings,
    scan_id: int,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    timeout_s: float | None = None,
    coordinator: SqlCoordinator | None = None,
) -> ScanOutcome:
    """Wait for a distributed scan to end, relaying the outbox; then its report.

    The report streams its rows from the coordinator's database, so the engine stays open
    for the caller (pass a `coordinator` to control its life). TimeoutError when
    `timeout_s` passes first (the scan goes on).
    """
    return _follow(
        coordinator or open_coordinator(settings),
        make_app(settings),
        settings,
        scan_id,
        on_progress=on_progress,
        timeout_s=timeout_s,
    )


def _follow(
    coordinator: SqlCoordinator,
    app: Celery,
    settings: Settings,
    scan_id: int,
    *,
    on_progress: Callable[[Progress], None] | None,
    timeout_s: float | None,
) -> ScanOutcome:
    started = time.monotonic()
    events = EventLog(events_url(settings)) if on_progress is not None else None
    while True:
        relay_now(app, coordinator)
        state = coordinator.progress(scan_id)
        if on_progress is not None:
            progress = _snapshot(scan_id, state, started)
            if events is not None and state.status is ScanStatus.ANALYZING:
                # How far `analyze` is with links and resources: in its events only.
                checking = events.latest(scan_id, "checking")
                if checking is not None and checking["total"]:
                    checked, total = checking["checked"], checking["total"]
                    percent = round(90.0 + 5.0 * checked / total, 1)
                    progress = replace(progress, checked=checked, to_check=total, percent=percent)
            on_progress(progress)
        if state.status.is_terminal and state.by_state.get(FETCHED, 0) == 0:
            break
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise TimeoutError(f"scan {scan_id} is still {state.status.value}")
        time.sleep(POLL_S)
    catalogue = build_catalogue(settings)
    report = with_check_infos(coordinator.store.load_report(scan_id), catalogue)
    return ScanOutcome(scan_id=scan_id, status=report.scan.status, report=report)


def cancel(settings: Settings, scan_id: int) -> ScanStatus:
    """Raise the scan's cancel flag; returns its status afterwards."""
    coordinator = open_coordinator(settings)
    try:
        return coordinator.request_cancel(scan_id)
    finally:
        coordinator.engine.dispose()


def dead_letters(settings: Settings, scan_id: int | None) -> list[DeadLetter]:
    """Dead-lettered page steps, newest first."""
    coordinator = open_coordinator(settings)
    try:
        return coordinator.dead_letters(scan_id)
    finally:
        coordinator.engine.dispose()


def redrive(settings: Settings, letter_ids: Sequence[int]) -> list[int]:
    """Queue dead-lettered pages again; returns the scans that got work back."""
    coordinator = open_coordinator(settings)
    try:
        scans = coordinator.redrive(letter_ids)
        relay_now(make_app(settings), coordinator)
        return scans
    finally:
        coordinator.engine.dispose()


def run_worker(
    settings: Settings, queues: Sequence[str], concurrency: int | None, name: str | None
) -> None:
    """Run a Celery worker in this process (blocks until it is stopped)."""
    open_coordinator(settings).engine.dispose()  # migrate once, before the children fork
    argv = ["worker", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    if name:
        argv.append(f"--hostname={name}")
    if queues:
        argv.append(f"--queues={','.join(queues)}")
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app = make_app(settings)
    # A worker that extracts too parses what it fetched at once (nothing staged).
    app.conf.siteaudit_inline_extract = not queues or "scan.extraction" in queues
    app.worker_main(argv)


def run_beat(settings: Settings, schedule_file: str) -> None:
    """Run Celery beat, which sends the reconciler every `reconcile_every_s` seconds."""
    open_coordinator(settings).engine.dispose()
    make_app(settings).start(["beat", "--loglevel=INFO", f"--schedule={schedule_file}"])


def _snapshot(scan_id: int, counted: ScanProgress, started: float) -> Progress:
    status, by_state = counted.status, counted.by_state
    # The sitemaps' URLs are queued once the links run out (as in the embedded engine).
    total = max(counted.total, counted.listed)
    analyzed = sum(by_state.get(state, 0) for state in (DONE, FAILED, CANCELLED))
    elapsed = max(time.monotonic() - started, 1e-6)
    rate = analyzed / elapsed
    percent = 100.0 if status.is_terminal else 90.0 * analyzed / max(total, 1)
    return Progress(
        scan_id=scan_id,
        status=status,
        discovered=total,
        fetched=analyzed + by_state.get(FETCHED, 0),
        analyzed=analyzed,
        errors=by_state.get(FAILED, 0),
        percent=round(percent, 1),
        pages_per_s=round(rate, 1),
        eta_s=round((total - analyzed) / rate, 1) if rate > 0 else None,
    )


def add_schedule(settings: Settings, spec: ScanSpec, cron: str) -> int:
    """Scan `spec` on the cron expression (UTC); returns the schedule id."""
    coordinator = open_coordinator(settings)
    try:
        return schedules.add_schedule(coordinator.engine, spec, check_cron(cron))
    finally:
        coordinator.engine.dispose()


def list_schedules(settings: Settings) -> list[schedules.Schedule]:
    """Every schedule, oldest first."""
    coordinator = open_coordinator(settings)
    try:
        return schedules.list_schedules(coordinator.engine)
    finally:
        coordinator.engine.dispose()


def remove_schedule(settings: Settings, schedule_id: int) -> bool:
    """Delete a schedule; False when there was none."""
    coordinator = open_coordinator(settings)
    try:
        return schedules.remove_schedule(coordinator.engine, schedule_id)
    finally:
        coordinator.engine.dispose()
