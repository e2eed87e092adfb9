"""The PostgreSQL manual through Celery and through the local engine: same pages, same findings.

Needs ../shared/corpus/serve.sh (127.0.0.1:8082); marker `corpus`, not in the default run:
`.venv/bin/pytest -m corpus tests/corpus`.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from tests.support.celery_cluster import Cluster, broker
from tests.support.databases import empty_database

from siteaudit.engines.celery import service
from siteaudit.engines.celery.app import QUEUES
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.storage.database import create_engine_for, migrate
from siteaudit.storage.repository import SqlScanStore

pytestmark = [pytest.mark.corpus, pytest.mark.postgres]

PG_MANUAL = "http://127.0.0.1:8082/"
TIMING_CHECKS = {"ttfb-slow", "response-time-slow"}
PAGE_QUEUES = ["scan.scraping", "scan.extraction"]


def _served() -> None:
    try:
        urllib.request.urlopen(PG_MANUAL, timeout=2).close()
    except OSError as exc:
        pytest.skip(f"the corpus is not served ({exc}): ../shared/corpus/serve.sh start")


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_the_postgresql_manual_through_celery_equals_the_local_engine(
    kind: str, tmp_path: Path
) -> None:
    _served()
    with empty_database("postgresql", tmp_path) as database_url, broker(kind) as broker_url:
        cluster = Cluster(database_url=database_url, broker_url=broker_url, workdir=tmp_path)
        settings = cluster.settings()
        settings.crawl = settings.crawl.model_copy(update={"max_pages": 5000})
        cluster.env["SITEAUDIT_CRAWL__MAX_PAGES"] = "5000"
        engine = create_engine_for(database_url)
        migrate(engine)
        try:
            cluster.start_worker(PAGE_QUEUES)
            cluster.start_worker([q for q in QUEUES if q not in PAGE_QUEUES])
            spec = make_spec(settings, PG_MANUAL, (), ())
            scan_id, _ = service.submit(settings, spec)
            coordinator = service.open_coordinator(settings)
            distributed = service.follow(
                settings, scan_id, timeout_s=600, coordinator=coordinator
            ).report
            local = run_scan(settings, spec, store=SqlScanStore(engine)).report
            pages = ({p.url: p.error_code for p in r.pages} for r in (distributed, local))
            found = (
                {f.fingerprint for f in r.findings if f.check_id not in TIMING_CHECKS}
                for r in (distributed, local)
            )
            (pages_d, pages_l), (found_d, found_l) = pages, found
            coordinator.engine.dispose()
        finally:
            cluster.stop()
            engine.dispose()
    assert len(pages_l) == 1170
    assert pages_d == pages_l
    assert found_d == found_l
