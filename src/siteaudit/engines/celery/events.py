"""Progress events: one Redis stream per scan, for the API to serve (best effort).

The database records every phase change and page completion; the stream is a notification
of the same facts, so a lost event costs a live display a tick, never a result. Streams are
capped (`MAXLEN ~`) and expire a day after their last event.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import redis

from siteaudit.engines.celery.app import is_redis
from siteaudit.settings import Settings

logger = logging.getLogger(__name__)

STREAM_MAXLEN = 10_000
STREAM_TTL_S = 24 * 3600


def events_url(settings: Settings) -> str | None:
    """Where progress events go: `redis_url`, else a Redis broker, else nowhere."""
    if settings.redis_url:
        return settings.redis_url
    return settings.broker_url if is_redis(settings.broker_url) else None


def stream_key(scan_id: int) -> str:
    """The Redis stream a scan's events go to."""
    return f"siteaudit:scan:{scan_id}:events"


class EventLog:
    """Appends events to per-scan Redis streams; does nothing without a Redis URL."""

    def __init__(self, url: str | None) -> None:
        self._client = (
            None
            if url is None
            else redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        )
        self._failing = False

    def publish(self, scan_id: int, kind: str, **fields: Any) -> None:
        """Append one event; a Redis failure is logged once, never raised."""
        if self._client is None:
            return
        entry = {"kind": kind, "at": f"{time.time():.3f}", "data": json.dumps(fields)}
        key = stream_key(scan_id)
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.xadd(key, entry, maxlen=STREAM_MAXLEN, approximate=True)  # type: ignore[arg-type]
            pipe.expire(key, STREAM_TTL_S)
            pipe.execute()
            self._failing = False
        except redis.RedisError as exc:
            if not self._failing:
                logger.warning("progress events are not reaching Redis: %s", exc)
            self._failing = True

    def read(self, scan_id: int) -> list[tuple[str, dict[str, Any]]]:
        """Every event of a scan still in its stream, oldest first, as (kind, data)."""
        if self._client is None:
            return []
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self._client.xrange(  # type: ignore[assignment]
            stream_key(scan_id)
        )
        return [(fields[b"kind"].decode(), json.loads(fields[b"data"])) for _id, fields in entries]

    def latest(self, scan_id: int, kind: str, within: int = 50) -> dict[str, Any] | None:
        """The data of the scan's newest event of `kind` among its last `within` events;
        None when there is none, or no Redis (a display then shows less, never fails)."""
        if self._client is None:
            return None
        try:
            entries: list[tuple[bytes, dict[bytes, bytes]]] = self._client.xrevrange(  # type: ignore[assignment]
                stream_key(scan_id), count=within
            )
        except redis.RedisError:
            return None
        for _id, fields in entries:
            if fields[b"kind"].decode() == kind:
                data: dict[str, Any] = json.loads(fields[b"data"])
                return data
        return None
