"""Progress events on a real Redis (engines/celery/events.py)."""

from __future__ import annotations

from tests.support.celery_cluster import broker

from siteaudit.engines.celery.events import EventLog


def test_latest_finds_the_newest_event_of_a_kind_among_the_others() -> None:
    with broker("redis") as url:
        events = EventLog(url)
        assert events.latest(7, "checking") is None
        events.publish(7, "checking", checked=1, total=6)
        events.publish(7, "checking", checked=4, total=6)
        events.publish(7, "status", status="analyzing")
        events.publish(8, "checking", checked=9, total=9)  # another scan's
        assert events.latest(7, "checking") == {"checked": 4, "total": 6}
        assert events.latest(7, "queued") is None


def test_without_redis_a_display_gets_nothing_and_no_error() -> None:
    assert EventLog(None).latest(7, "checking") is None
    # A Redis that does not answer (nothing listens on port 1).
    assert EventLog("redis://127.0.0.1:1/0").latest(7, "checking") is None
