"""Every page a busy crawl fetches is stored: no batch is lost between the loop and the store.

A regression test: results were once written from a worker thread while the event loop kept
crawling, and the final flush cancelled a write still in flight, silently dropping whole
batches (3,000 of 5,000 pages on a synthetic site).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.synthetic import synthetic_site

from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.model import ScanStatus
from siteaudit.settings import CrawlSettings, Settings

PAGES = 5000


def test_every_fetched_page_of_a_busy_crawl_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "load.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        crawl=CrawlSettings(
            check_external=False, max_pages=10 * PAGES, max_depth=1000, concurrency=16
        ),
    )
    with synthetic_site(PAGES) as site:
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()))
    assert outcome.status is ScanStatus.COMPLETED  # a 404 is a finding, not a crawl error
    counters = outcome.report.scan.counters
    fetched = counters["fetch/status/200"] + counters["fetch/status/404"]
    assert fetched == PAGES
    with sqlite3.connect(db) as connection:
        stored = connection.execute("select count(*) from pages").fetchone()[0]
        linked = connection.execute("select count(distinct source_url) from links").fetchone()[0]
    assert stored == PAGES
    assert len(outcome.report.pages) == PAGES
    assert linked == PAGES - site.expected_404s()
