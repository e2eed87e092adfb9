"""Test sessions on one machine do not share the Redis database their Celery tests flush."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import redis
from tests.support.celery_cluster import CLAIMS_DB, REDIS_DB, REDIS_URL, broker, claim_key

ROOT = Path(__file__).resolve().parents[3]


def test_each_test_session_flushes_a_redis_database_of_its_own() -> None:
    # Every session used database 11: a developer's run while CI ran consumed and flushed
    # CI's messages, and its Celery tests failed for no fault of the code.
    with broker("redis"):  # skipped (failed under CI) as the other tests when Redis is down
        code = "from tests.support.celery_cluster import REDIS_DB; print(REDIS_DB)"
        other = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
    theirs = int(other.stdout)
    assert theirs != REDIS_DB
    claims = redis.Redis.from_url(f"{REDIS_URL}/{CLAIMS_DB}")
    try:
        assert claims.get(claim_key(REDIS_DB)) is not None  # still ours
        assert claims.get(claim_key(theirs)) is None  # given back at its exit
    finally:
        claims.close()
