"""The heartbeat a long `analyze` step keeps (engines/celery/heartbeat.py)."""

from __future__ import annotations

import threading
import time

import pytest

from siteaudit.engines.celery.heartbeat import heartbeat


def test_it_beats_while_the_block_runs_survives_a_failing_beat_and_stops_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    beats: list[float] = []

    def beat() -> None:
        beats.append(time.monotonic())
        if len(beats) == 1:
            raise ConnectionError("the database is restarting")

    with heartbeat(0.2, beat, "analyze-7-heartbeat"):  # a beat every 0.05 s
        time.sleep(0.5)
        assert any(t.name == "analyze-7-heartbeat" for t in threading.enumerate())
    after = len(beats)
    time.sleep(0.2)
    assert len(beats) == after  # no beat once the block ended
    assert after >= 3  # the failing first beat did not stop the next ones
    assert "analyze-7-heartbeat: the heartbeat failed: the database is restarting" in caplog.text
    assert not any(t.name == "analyze-7-heartbeat" for t in threading.enumerate())


def test_it_stops_when_the_block_raises() -> None:
    beats: list[float] = []
    with pytest.raises(TimeoutError), heartbeat(0.2, lambda: beats.append(1.0), "hb"):
        raise TimeoutError("soft time limit")
    assert not any(t.name == "hb" for t in threading.enumerate())
