"""robots.txt Crawl-delay is honoured by the local engine (and capped)."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.support.sites import Site, html, logged

from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.settings import load_settings
from siteaudit.storage.database import open_store


def test_pages_are_fetched_no_closer_than_the_crawl_delay(tmp_path: Path) -> None:
    hits: list[tuple[float, str]] = []

    robots = b"User-agent: *\nCrawl-delay: 0.3\n"
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(4))
    routes = {
        "/robots.txt": lambda _h: (200, {"Content-Type": "text/plain"}, robots),
        "/": logged(html(links, "Home"), hits),
        **{f"/p{i}": logged(html("<h1>p</h1>", f"P{i}"), hits) for i in range(4)},
    }
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    store = open_store(settings.database_url)
    with Site(routes) as site:
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()), store=store)
        pages = len(outcome.report.pages)
        counters = outcome.report.scan.counters
    store.engine.dispose()
    starts = sorted(at for at, _ in hits)
    assert pages == 5
    assert len(starts) == 6  # the start URL asked where it leads (HEAD), then five pages
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.28
    assert counters["robots/crawl-delay-ms"] == 300
