"""Fixtures of the Celery tests: a PostgreSQL schema, a broker namespace, real workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.celery_cluster import BROKERS, Cluster, broker
from tests.support.databases import empty_database


@pytest.fixture(params=BROKERS)
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    """An empty database and broker; workers are started by the test and stopped here."""
    with empty_database("postgresql", tmp_path) as database_url, broker(request.param) as url:
        cluster = Cluster(database_url=database_url, broker_url=url, workdir=tmp_path)
        try:
            yield cluster
        finally:
            cluster.stop()
