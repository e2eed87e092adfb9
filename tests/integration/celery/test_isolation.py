"""Test sessions on one machine do not share the Redis database their Celery tests flush,
and the PostgreSQL schemas a killed one left are dropped by a later one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from tests.support.celery_cluster import CLAIMS_DB, REDIS_DB, REDIS_URL, broker, claim_key
from tests.support.databases import (
    SCHEMA_PREFIX,
    STALE_S,
    require_postgres,
    sweep_stale_schemas,
)

from siteaudit.storage import create_engine_for

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


@pytest.mark.postgres
def test_schemas_a_killed_session_left_are_dropped_and_the_others_kept() -> None:
    admin = create_engine_for(require_postgres())
    made = int(time.time())
    left = f"{SCHEMA_PREFIX}{made - STALE_S - 60}_0123456789ab"  # a killed session's
    running = f"{SCHEMA_PREFIX}{made}_0123456789ab"  # a session running now
    unstamped = f"{SCHEMA_PREFIX}0123456789abcdef"  # named before names carried a time
    names = [left, running, unstamped]
    try:
        with admin.begin() as connection:
            for name in names:
                connection.execute(text(f'CREATE SCHEMA "{name}"'))
        assert left in sweep_stale_schemas(admin)
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname = ANY(:names)"),
                {"names": names},
            ).scalars()
            assert sorted(found) == sorted([running, unstamped])
    finally:
        with admin.begin() as connection:
            for name in names:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
