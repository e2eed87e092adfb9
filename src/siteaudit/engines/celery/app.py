"""The Celery application, built from settings: queues by phase, at-least-once delivery.

Every setting that decides what happens when a worker dies is set here, and why:

- `task_acks_late` + `task_reject_on_worker_lost`: a task is acknowledged after it ran, and
  a task whose process died (SIGKILL, out of memory, hard time limit) goes back to the queue;
  the claims in the database make the second run resume where the first stopped.
- `worker_prefetch_multiplier=1`: a worker holds one task beyond those it runs, so a dead
  worker strands one batch, and a slow one does not hoard the queue.
- soft and hard time limits: the soft one lets a batch hand its rest back page by page, the
  hard one kills a process that ignored it.
- Redis `visibility_timeout` (how long an unacknowledged task waits before Redis hands it to
  another worker) above the hard limit plus the longest retry delay, checked at start-up:
  below it, a task still running would be started a second time.
- `worker_max_memory_per_child`: a child past the limit is replaced after its task.
- publish retries with a short policy, so a broker blip does not fail a task that has
  already committed its work (the outbox keeps what could not be sent).
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Queue

from siteaudit.errors import ConfigError
from siteaudit.settings import Settings

# Site analysis is stopped softly at `analysis_time_limit_s` and killed this much later.
ANALYSIS_HARD_MARGIN_S = 30

QUEUES = (
    "scan.orchestration",
    "scan.discovery",
    "scan.selection",
    "scan.scraping",
    "scan.extraction",
    "scan.analysis",
    "scan.aggregation",
    "celery",
)

# Outbox names -> (task name, queue).
TASKS = {
    "start": ("siteaudit.start", "scan.orchestration"),
    "discover": ("siteaudit.discover", "scan.discovery"),
    "select": ("siteaudit.select", "scan.selection"),
    "fetch": ("siteaudit.fetch", "scan.scraping"),
    "extract": ("siteaudit.extract", "scan.extraction"),
    "analyze": ("siteaudit.analyze", "scan.analysis"),
    "aggregate": ("siteaudit.aggregate", "scan.aggregation"),
    "reconcile": ("siteaudit.reconcile", "celery"),
}


def is_redis(url: str) -> bool:
    """True for a Redis broker URL."""
    return url.startswith(("redis://", "rediss://", "redis+socket://"))


def check_settings(settings: Settings) -> None:
    """Refuse settings under which a running task could be delivered twice at once."""
    dist = settings.distributed
    if dist.soft_time_limit_s >= dist.hard_time_limit_s:
        raise ConfigError(
            f"distributed.soft_time_limit_s ({dist.soft_time_limit_s}) must be below "
            f"hard_time_limit_s ({dist.hard_time_limit_s})"
        )
    longest_task = max(dist.hard_time_limit_s, dist.analysis_time_limit_s + ANALYSIS_HARD_MARGIN_S)
    longest_wait = longest_task + dist.retry_backoff_max_s
    if is_redis(settings.broker_url) and dist.visibility_timeout_s <= longest_wait:
        raise ConfigError(
            f"distributed.visibility_timeout_s ({dist.visibility_timeout_s}) must exceed the "
            f"longest hard time limit plus the longest retry delay ({longest_wait} s): Redis would "
            "hand a task that is still running to a second worker"
        )
    if dist.lease_s <= dist.hard_time_limit_s:
        raise ConfigError(
            f"distributed.lease_s ({dist.lease_s}) must exceed hard_time_limit_s "
            f"({dist.hard_time_limit_s}): a page's lease must outlive the task holding it"
        )


def make_app(settings: Settings) -> Celery:
    """A Celery app for `settings`, its tasks registered (see `tasks.register`)."""
    check_settings(settings)
    dist = settings.distributed
    app = Celery("siteaudit", set_as_current=False)
    config: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 2.0,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": dist.soft_time_limit_s,
        "task_time_limit": dist.hard_time_limit_s,
        "worker_max_memory_per_child": dist.max_memory_per_child_kb,
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 3,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2.0,
        },
        "task_default_queue": "celery",
        "task_queues": [Queue(name) for name in QUEUES],  # type: ignore[no-untyped-call]
        "task_routes": {name: {"queue": queue} for name, queue in TASKS.values()},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "beat_schedule": {
            "reconcile": {"task": "siteaudit.reconcile", "schedule": dist.reconcile_every_s}
        },
    }
    if is_redis(settings.broker_url):
        config["broker_transport_options"] = {"visibility_timeout": dist.visibility_timeout_s}
    app.conf.update(config)
    app.conf.siteaudit_settings = settings
    from siteaudit.engines.celery.tasks import register  # noqa: PLC0415 (tasks need the app)

    register(app)
    return app
