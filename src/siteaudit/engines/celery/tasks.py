"""Thin Celery tasks: ids in, one `Steps` call, the outbox relayed, nothing else.

Transient failures (the database or the broker unreachable) retry with exponential backoff
and full jitter (1 s, 2 s, 4 s ... capped at `retry_backoff_max_s`); anything else is a bug
or a page-level failure. A page step that raises is left to the claims: its pages are sent
again once their lease expires, and fail for good past `max_attempts`. A scan step that
raises fails the scan with the error, keeping every page already stored.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import sqlalchemy.exc
from celery import Celery, Task

from siteaudit.engines.celery.app import ANALYSIS_HARD_MARGIN_S, TASKS
from siteaudit.engines.celery.steps import Steps
from siteaudit.settings import Settings
from siteaudit.storage.coordination import Message

logger = logging.getLogger(__name__)

TRANSIENT: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    kombu.exceptions.OperationalError,
    ConnectionError,
)


class _PerProcess:
    """The `Steps` of this process, built on first use (after the prefork fork)."""

    def __init__(self, app: Celery) -> None:
        self._app = app
        self._steps: Steps | None = None
        self._lock = threading.Lock()

    def get(self) -> Steps:
        with self._lock:
            if self._steps is None:
                conf = self._app.conf
                inline = bool(conf.get("siteaudit_inline_extract", True))
                self._steps = Steps(conf.siteaudit_settings, inline_extract=inline)
                # What exists now lives as long as the process: keep the collector off it.
                gc.freeze()
            return self._steps


def publisher(app: Celery) -> Callable[[Message], None]:
    """Sends one outbox message to its task's queue."""

    def publish(message: Message) -> None:
        name, queue = TASKS[message.task]
        app.send_task(name, args=message.args, queue=queue)

    return publish


def register(app: Celery) -> None:
    """Define the tasks on `app` (its settings are `app.conf.siteaudit_settings`)."""
    settings: Settings = app.conf.siteaudit_settings
    dist = settings.distributed
    steps = _PerProcess(app)
    publish = publisher(app)
    options: dict[str, Any] = {
        "bind": True,
        "autoretry_for": TRANSIENT,
        "retry_backoff": 1,
        "retry_backoff_max": dist.retry_backoff_max_s,
        "retry_jitter": True,
        "max_retries": dist.max_retries,
    }
    site_limits = {
        "soft_time_limit": dist.analysis_time_limit_s,
        "time_limit": dist.analysis_time_limit_s + ANALYSIS_HARD_MARGIN_S,
    }

    def relay() -> None:
        try:
            steps.get().relay(publish)
        except TRANSIENT as exc:
            logger.warning("outbox not published (%s); the reconciler will send it", exc)

    def scan_step(name: str, scan_id: int) -> None:
        try:
            getattr(steps.get(), name)(scan_id)
        except TRANSIENT:
            raise
        except Exception as exc:
            steps.get().fail_scan(scan_id, exc)
        relay()

    @app.task(name="siteaudit.start", **options)
    def start(task: Task, scan_id: int) -> None:
        scan_step("start", scan_id)

    @app.task(name="siteaudit.discover", **options)
    def discover(task: Task, scan_id: int) -> None:
        scan_step("discover", scan_id)

    @app.task(name="siteaudit.select", **options)
    def select(task: Task, scan_id: int) -> None:
        scan_step("select", scan_id)

    @app.task(name="siteaudit.analyze", **options, **site_limits)
    def analyze(task: Task, scan_id: int) -> None:
        scan_step("analyze", scan_id)

    @app.task(name="siteaudit.aggregate", **options, **site_limits)
    def aggregate(task: Task, scan_id: int) -> None:
        scan_step("aggregate", scan_id)

    @app.task(name="siteaudit.fetch", **options)
    def fetch(task: Task, scan_id: int, ids: list[int]) -> None:
        steps.get().fetch(scan_id, ids, str(task.request.id))
        relay()

    @app.task(name="siteaudit.extract", **options)
    def extract(task: Task, scan_id: int, ids: list[int]) -> None:
        steps.get().extract(scan_id, ids, str(task.request.id))
        relay()

    @app.task(name="siteaudit.reconcile", **options)
    def reconcile(task: Task) -> None:
        steps.get().reconcile()
        relay()
