"""robots.txt Crawl-delay is honoured by the local engine (and capped)."""

from __future__ import annotations

import os
import signal
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from tests.support.sites import (
    CHALLENGE,
    TOO_FAST,
    Route,
    Site,
    assert_spaced,
    html,
    logged,
    rate_limited,
)

from siteaudit.engines.runner import make_spec, resume_scan, run_scan
from siteaudit.model import ScanStatus
from siteaudit.model.report import crawl_notices
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
    assert_spaced(starts, 0.3)
    assert counters["robots/crawl-delay-ms"] == 300


@pytest.mark.parametrize("refusal", [TOO_FAST, CHALLENGE], ids=["429", "challenge"])
def test_a_site_that_says_slow_down_gets_spaced_requests_and_every_page(
    tmp_path: Path, refusal: tuple[int, dict[str, str]]
) -> None:
    # A page request less than 0.15 s after the last one let through is refused: 429, or
    # a bot-protection challenge (403), which a browser passes and a rate rule lifts.
    routes, refused = rate_limited(8, refusal=refusal)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    store = open_store(settings.database_url)
    with Site(routes) as site:
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()), store=store)
    store.engine.dispose()
    assert {page.url: page.status for page in outcome.report.pages} == {
        site.url: 200,
        **{f"{site.url}p{i}": 200 for i in range(8)},
    }
    assert refused  # it did ask; then each retry waited, and the requests were spaced
    assert len(refused) < 16
    counters = outcome.report.scan.counters
    assert counters["fetch/slowed-down"] == len(refused)
    assert f"fetch/status/{refusal[0]}" not in counters  # no page was left refused
    challenges = len(refused) if refusal == CHALLENGE else 0
    assert counters.get("fetch/challenged", 0) == challenges
    notices = crawl_notices(outcome.report.scan)
    said = f"The site asked the crawler to slow down {len(refused)} time"
    assert any(notice.startswith(said) for notice in notices)


def test_a_page_that_always_answers_503_does_not_slow_the_whole_site_down(
    tmp_path: Path,
) -> None:
    # An application down behind a healthy server: /broken answers 503 (no Retry-After)
    # every time, the other pages 200. Its first refusal slows the host down (it could be
    # an overload); its retries, refused the same way, are its own and no longer double
    # the host's spacing each time (counted as three slow-downs before, not one).
    hits: list[tuple[float, str]] = []
    links = '<a href="/broken">b</a>' + "".join(f'<a href="/p{i}">p{i}</a>' for i in range(4))
    routes = {
        "/": logged(html(links, "Home"), hits),
        "/broken": logged(lambda _h: (503, {}, b"the application is down"), hits),
        **{f"/p{i}": logged(html("<h1>p</h1>", f"P{i}"), hits) for i in range(4)},
    }
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    store = open_store(settings.database_url)
    with Site(routes) as site:
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()), store=store)
        statuses = {page.url: page.status for page in outcome.report.pages}
        counters = outcome.report.scan.counters
    store.engine.dispose()
    retries = settings.crawl.retries
    assert sum(1 for _, path in hits if path == "/broken") == retries + 1  # still retried
    assert statuses[f"{site.url}broken"] == 503
    assert all(status == 200 for url, status in statuses.items() if not url.endswith("broken"))
    assert counters["fetch/slowed-down"] == 1


def test_ctrl_c_while_paced_sitemaps_are_read_stops_at_once(tmp_path: Path) -> None:
    """Discovery can take minutes on a slow site (hundreds of sitemaps, a Crawl-delay
    apart): the first Ctrl-C ends it there, and the scan is stored as cancelled."""
    hits: list[tuple[float, str]] = []
    stopped: list[float] = []
    namespace = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    sitemaps = [f"/sitemap-{n}.xml" for n in range(12)]

    def sitemap(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        hits.append((time.monotonic(), handler.path))
        if len(hits) == 2:  # Ctrl-C, as a user's terminal sends it
            stopped.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
        body = (
            f"<urlset {namespace}><url><loc>http://{handler.headers['Host']}/</loc></url></urlset>"
        )
        return 200, {"Content-Type": "application/xml"}, body.encode()

    routes = {"/": html("home"), **dict.fromkeys(sitemaps, sitemap)}
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    settings.crawl = settings.crawl.model_copy(update={"delay_s": 0.4, "check_external": False})
    with Site(routes) as site:
        index = "".join(f"<sitemap><loc>{site.url}{path[1:]}</loc></sitemap>" for path in sitemaps)
        listing = f"<sitemapindex {namespace}>{index}</sitemapindex>".encode()
        routes["/sitemap.xml"] = lambda _h: (200, {"Content-Type": "application/xml"}, listing)
        began = time.monotonic()
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()))
        took = time.monotonic() - began
        time.sleep(1.0)
    assert stopped
    grace = 0.5  # the request under way when the signal came may finish
    assert [path for at, path in hits if at > stopped[0] + grace] == []
    assert outcome.status is ScanStatus.CANCELLED
    assert took < 4  # the twelve sitemaps alone take 5 s


def test_ctrl_c_in_a_paced_crawl_sends_no_request_still_waiting_for_its_turn(
    tmp_path: Path,
) -> None:
    """Requests on the wire get a grace period; those queued behind the site's pace are not
    sent at all. The scan is cancelled, and resuming it fetches what was left."""
    hits: list[tuple[float, str]] = []
    stopped: list[float] = []

    def page(i: int) -> Route:
        inner = html(f"<h1>p{i}</h1>", f"P{i}")

        def route(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            hits.append((time.monotonic(), handler.path))
            if len(hits) == 3 and not stopped:  # Ctrl-C, as a user's terminal sends it
                stopped.append(time.monotonic())
                os.kill(os.getpid(), signal.SIGINT)
            return inner(handler)

        return route

    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(20))
    routes = {"/": html(links, "Home"), **{f"/p{i}": page(i) for i in range(20)}}
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    update = {"delay_s": 0.3, "check_external": False, "use_sitemaps": False}
    settings.crawl = settings.crawl.model_copy(update=update)
    with Site(routes) as site:
        outcome = run_scan(settings, make_spec(settings, site.url, (), ()))
        time.sleep(1.0)
        assert stopped and outcome.status is ScanStatus.CANCELLED
        # One turn may come as the signal is handled; the next one is 0.3 s away.
        assert [path for at, path in hits if at > stopped[0] + 0.25] == []
        fetched = {path for _, path in hits}
        resumed = resume_scan(settings, outcome.scan_id)
    assert resumed.status is ScanStatus.COMPLETED
    assert len(resumed.report.pages) == 21
    again = [path for _, path in hits[len(fetched) :]]
    assert sorted(again) == sorted({f"/p{i}" for i in range(20)} - fetched)
