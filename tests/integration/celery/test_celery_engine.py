"""The Celery engine end to end: real workers on Redis and RabbitMQ, state in PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import cast

import pytest
import redis
import trustme
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from tests.support.celery_cluster import REDIS_DB, REDIS_URL, Cluster, queue_depths
from tests.support.celery_outcomes import Seen, database, follow, follow_pages, followed, seen
from tests.support.sites import (
    CHALLENGE,
    LISTING_FOUND,
    REDIRECT_PAGES,
    TOO_FAST,
    Route,
    Site,
    assert_spaced,
    html,
    late_shortcut_routes,
    length_twice,
    listing_routes,
    logged,
    rate_limited,
    redirect_routes,
    slow_listing_routes,
)

from siteaudit.cli.display import format_progress
from siteaudit.crawl.bodies import LARGE_BODY_BYTES
from siteaudit.demo.server import DemoServer
from siteaudit.engines.celery import service
from siteaudit.engines.celery import steps as steps_module
from siteaudit.engines.celery.app import QUEUES
from siteaudit.engines.celery.events import EventLog
from siteaudit.engines.celery.politeness import PREFIX
from siteaudit.engines.celery.steps import LARGE_BODIES_PER_TASK, Steps
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.model import ScanStatus
from siteaudit.model.events import Progress
from siteaudit.model.report import DROPPED, MALFORMED, crawl_notices
from siteaudit.settings import Settings, load_settings
from siteaudit.storage.coordination import DistributedDatabaseError
from siteaudit.storage.repository import SqlScanStore
from siteaudit.storage.tables import dead_letters, scans, work

pytestmark = pytest.mark.postgres

ONE_BROKER = pytest.mark.parametrize("cluster", ["redis"], indirect=True)


def cancelled_after(
    settings: Settings, url: str, hits: list[tuple[float, str]], count: int
) -> tuple[Seen, list[str]]:
    """Scan `url`, cancel it once the site logged `count` `hits`, and follow it to its end;
    then the paths the site was asked for past the grace a cancel allows (a worker sees the
    flag within 0.5 s; a request under way may finish)."""
    scan_id, _ = service.submit(settings, make_spec(settings, url, (), ()))
    deadline = time.monotonic() + 60
    while len(hits) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.cancel(settings, scan_id) is ScanStatus.CANCELLED
    cancelled_at = time.monotonic()
    outcome = follow(settings, scan_id, timeout_s=30)
    time.sleep(4)  # anything still queued would reach the site meanwhile
    return outcome, [path for at, path in hits if at > cancelled_at + 1.5]


def test_a_distributed_scan_matches_the_local_engine(cluster: Cluster) -> None:
    settings = cluster.settings()
    cluster.start_worker(["scan.scraping", "scan.extraction"])
    cluster.start_worker([q for q in QUEUES if q not in ("scan.scraping", "scan.extraction")])
    with DemoServer() as site:
        spec = make_spec(settings, site.url, (), ())
        scan_id, published = service.submit(settings, spec)
        assert published
        outcome = follow(settings, scan_id)
        with database(cluster.database_url) as engine:
            local = seen(run_scan(settings, spec, store=SqlScanStore(engine)))

    assert outcome.status is local.status is ScanStatus.COMPLETED
    assert outcome.pages == local.pages
    assert len(outcome.pages) >= 15
    assert outcome.fingerprints == local.fingerprints
    with database(cluster.database_url) as engine, engine.connect() as connection:
        runs = connection.scalar(select(scans.c.aggregate_runs).where(scans.c.id == scan_id))
        states = dict(
            connection.execute(
                select(work.c.state, func.count())
                .where(work.c.scan_id == scan_id)
                .group_by(work.c.state)
            ).all()
        )
        max_attempts = connection.scalar(select(func.max(work.c.attempts)))
    assert runs == 1
    assert states == {"done": len(outcome.pages)}
    assert max_attempts <= 1
    assert set(queue_depths(cluster.broker_url, QUEUES).values()) == {0}
    events = EventLog(settings.redis_url).read(scan_id)
    statuses = [data["status"] for kind, data in events if kind == "status"]
    assert statuses == ["discovering", "fetching", "analyzing", "aggregating", "completed"]
    assert sum(data["done"] for kind, data in events if kind == "pages") == len(outcome.pages)


def test_a_page_that_kills_its_worker_is_dead_lettered_and_the_scan_ends(
    cluster: Cluster,
) -> None:
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(12))
    routes = {"/": html(links, "Home")}
    routes.update({f"/p{i}": html(f"<h1>page {i}</h1><p>text</p>", f"Page {i}") for i in range(12)})
    cluster.env["SITEAUDIT_TEST_POISON"] = "/p7"
    settings = cluster.settings(max_attempts=2, batch_size=5)
    # Scraping apart from extraction: responses are staged in the database in between.
    cluster.start_worker(["scan.scraping"], concurrency=1, faults=True)
    cluster.start_worker([q for q in QUEUES if q != "scan.scraping"], faults=True)
    with Site(routes) as site:
        spec = make_spec(settings, site.url, (), ())
        scan_id, _ = service.submit(settings, spec)
        outcome = follow(settings, scan_id)

    assert outcome.status is ScanStatus.COMPLETED_WITH_ERRORS
    assert len(outcome.pages) == 13
    assert outcome.pages.pop(site.url + "p7") == "worker-lost"
    assert set(outcome.pages.values()) == {None}
    letters = service.dead_letters(settings, scan_id)
    assert [(d.url, d.step, d.attempts) for d in letters] == [(site.url + "p7", "extract", 2)]
    with database(cluster.database_url) as engine, engine.connect() as connection:
        assert connection.scalar(select(func.max(work.c.attempts))) <= 2
        assert connection.scalar(select(func.count()).select_from(dead_letters)) == 1


def test_cancel_stops_every_request_and_keeps_the_pages(cluster: Cluster) -> None:
    hits: list[tuple[float, str]] = []

    def slow(i: int):  # a binary tree of pages, each answering slowly
        body = "".join(f'<a href="/n{j}">n{j}</a>' for j in (2 * i + 1, 2 * i + 2) if j < 400)
        page = html(body, f"Node {i}")

        def route(handler):  # type: ignore[no-untyped-def]
            hits.append((time.monotonic(), handler.path))
            time.sleep(0.05)
            return page(handler)

        return route

    routes = {"/": slow(0), **{f"/n{i}": slow(i) for i in range(1, 400)}}
    settings = cluster.settings(batch_size=5)
    cluster.start_worker(concurrency=2)
    settings.crawl = settings.crawl.model_copy(update={"concurrency": 2})
    with Site(routes) as site:
        outcome, late = cancelled_after(settings, site.url, hits, 40)
    assert late == []
    assert outcome.status is ScanStatus.CANCELLED
    assert 10 <= len(outcome.pages) < 400
    assert set(outcome.pages.values()) == {None}


def test_submission_does_not_wait_for_an_absent_broker(tmp_path: Path) -> None:
    from tests.support.databases import empty_database

    with empty_database("postgresql", tmp_path) as database_url:
        settings = load_settings(database_url=database_url, broker_url="redis://127.0.0.1:1/0")
        spec = make_spec(settings, "http://127.0.0.1:9/", (), ())
        started = time.monotonic()
        scan_id, published = service.submit(settings, spec)
        elapsed = time.monotonic() - started
        coordinator = service.open_coordinator(settings)
        progress = coordinator.progress(scan_id)
        coordinator.engine.dispose()
    assert not published
    assert elapsed < 10  # one publish attempt, no retries (about 2 s when refused)
    assert progress.status is ScanStatus.PENDING


def test_sqlite_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(DistributedDatabaseError, match="needs PostgreSQL"):
        service.open_coordinator(settings)


def test_workers_share_the_per_host_limit(cluster: Cluster) -> None:
    lock = threading.Lock()
    running = 0
    peak = 0

    def slow(i: int):  # type: ignore[no-untyped-def]
        body = "".join(f'<a href="/s{j}">s{j}</a>' for j in range(1, 40)) if i == 0 else "x"
        page = html(body, f"Slow {i}")

        def route(handler):  # type: ignore[no-untyped-def]
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.1)
            with lock:
                running -= 1
            return page(handler)

        return route

    routes = {"/": slow(0), **{f"/s{j}": slow(j) for j in range(1, 40)}}
    cluster.env["SITEAUDIT_CRAWL__PER_HOST_CONCURRENCY"] = "2"
    settings = cluster.settings(batch_size=4)
    cluster.start_worker(concurrency=2)
    cluster.start_worker(concurrency=2)
    with Site(routes) as site:
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        outcome = follow(settings, scan_id)
    assert len(outcome.pages) == 40
    assert peak == 2  # four worker processes, one limit: without sharing, up to 8 at once


def test_workers_together_honour_the_crawl_delay(cluster: Cluster) -> None:
    hits: list[tuple[float, str]] = []

    robots = b"User-agent: *\nCrawl-delay: 0.3\n"
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(6))
    routes = {
        "/robots.txt": lambda _h: (200, {"Content-Type": "text/plain"}, robots),
        "/": logged(html(links, "Home"), hits),
        **{f"/p{i}": logged(html("<h1>p</h1>", f"P{i}"), hits) for i in range(6)},
    }
    settings = cluster.settings(batch_size=2)
    cluster.start_worker(concurrency=2)
    cluster.start_worker(concurrency=2)
    with Site(routes) as site:
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        outcome = follow(settings, scan_id)
    starts = sorted(at for at, _ in hits)
    assert len(outcome.pages) == 7
    assert len(starts) == 8  # the start URL asked where it leads (HEAD), then seven pages
    assert_spaced(starts, 0.3)


def test_a_worker_keeps_a_scans_own_delay_and_not_for_the_next_scan(cluster: Cluster) -> None:
    hits: list[tuple[float, str]] = []
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(6))
    routes = {
        "/robots.txt": lambda _h: (404, {}, b""),
        "/": logged(html(links, "Home"), hits),
        **{f"/p{i}": logged(html("<h1>p</h1>", f"P{i}"), hits) for i in range(6)},
    }
    settings = cluster.settings(batch_size=10)  # the six pages in one task
    cluster.start_worker(concurrency=1)  # one process serves both scans
    with Site(routes) as site:
        spec = replace(make_spec(settings, site.url, (), ()), delay_s=0.3)
        delayed, _ = service.submit(settings, spec)
        outcome = follow(settings, delayed)
        spaced = sorted(at for at, _ in hits)
        hits.clear()
        plain, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        again = follow(settings, plain)
    assert len(outcome.pages) == len(again.pages) == 7
    assert len(spaced) == 8  # the start URL asked where it leads (HEAD), then seven pages
    assert_spaced(spaced, 0.3)
    unspaced = sorted(at for at, _ in hits)
    # The same process, the same site: the next scan's six pages after its home page (after
    # the HEAD and the GET of /) do not wait out the first scan's delay (0.3 s apart: 1.5 s
    # from the first to the last).
    assert unspaced[-1] - unspaced[1] < 0.75


@pytest.mark.parametrize("refusal", [TOO_FAST, CHALLENGE], ids=["429", "challenge"])
def test_a_site_that_says_slow_down_is_slowed_down_for_by_the_workers(
    cluster: Cluster, refusal: tuple[int, dict[str, str]]
) -> None:
    # Refuses a page request less than 0.15 s after the last one it let through: 429, or
    # a bot-protection challenge (403 marked `cf-mitigated: challenge`).
    routes, refused = rate_limited(6, refusal=refusal)
    settings = cluster.settings(batch_size=10)
    cluster.start_worker(concurrency=1)
    coordinator = service.open_coordinator(settings)
    try:
        with Site(routes) as site:
            scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
            outcome = service.follow(settings, scan_id, timeout_s=120, coordinator=coordinator)
            statuses = [page.status for page in outcome.report.pages]  # read while open
    finally:
        coordinator.engine.dispose()
    assert statuses == [200] * 7
    assert refused
    counters = outcome.report.scan.counters
    assert counters["fetch/slowed-down"] == len(refused)
    assert counters.get("fetch/challenged", 0) == (len(refused) if refusal == CHALLENGE else 0)


def test_pages_waiting_for_a_dead_workers_slots_are_fetched_later_not_failed(
    cluster: Cluster,
) -> None:
    # A worker node killed mid-request leaves its fleet-wide slots for the host taken until
    # their tokens expire (`token_ttl_s`, 100 s by default). The home page's GET plays that
    # node: it takes both slots for 5 s, more than the fetch tasks' 2 s time limit. Pages
    # that waited past the limit for them used to fail as time-limit (their links never
    # followed: the chaos test's short scans); now they go back to the queue.
    client = redis.Redis.from_url(f"{REDIS_URL}/{REDIS_DB}")
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(1, 5))
    page = html(links)
    taken = []

    def home(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.command == "GET" and not taken:
            slots = f"{PREFIX}:http://{handler.headers['Host']}:slots"
            client.zadd(slots, {"dead-1": time.time() + 5, "dead-2": time.time() + 5})
            taken.append(time.monotonic())
        return page(handler)

    routes = {"/": home, **{f"/p{i}": html(f"page {i}") for i in range(1, 5)}}
    cluster.env["SITEAUDIT_CRAWL__PER_HOST_CONCURRENCY"] = "2"
    settings = cluster.settings(batch_size=2, soft_time_limit_s=2, hard_time_limit_s=8)
    cluster.start_worker(concurrency=2)
    try:
        with Site(routes) as site:
            scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
            outcome = follow(settings, scan_id)
    finally:
        client.close()
    assert taken
    # Every page fetched, none failed (they were "time-limit" before).
    assert outcome.pages == {site.url: None, **{f"{site.url}p{i}": None for i in range(1, 5)}}
    assert outcome.status is ScanStatus.COMPLETED


def test_a_slot_token_outlives_one_requests_deadline_not_all_its_retries(
    cluster: Cluster,
) -> None:
    # How long a killed worker's slot blocks its host: the token's expiry, read from Redis
    # while the request it was taken for is being answered.
    client = redis.Redis.from_url(f"{REDIS_URL}/{REDIS_DB}")
    lifetimes: list[float] = []

    def page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        slots = f"{PREFIX}:http://{handler.headers['Host']}:slots"
        lifetimes.extend(
            score - time.time() for _, score in client.zrange(slots, 0, -1, withscores=True)
        )
        return html("x")(handler)

    settings = cluster.settings()
    coordinator = service.open_coordinator(settings)
    try:
        with Site({"/": page}) as site:
            steps = Steps(settings, coordinator)  # a worker process's, with its event loop
            fetcher = steps._http(make_spec(settings, site.url, (), ()))
            try:
                fetched = steps._loop.run_until_complete(fetcher.fetch(site.url))
            finally:
                steps._loop.run_until_complete(fetcher.close())
                steps._loop.close()
    finally:
        coordinator.engine.dispose()
        client.close()
    deadline = settings.crawl.total_timeout_s
    assert fetched.status == 200
    assert len(lifetimes) == 1  # the request's own slot
    assert deadline < lifetimes[0] <= deadline + 10  # was deadline x 3 + 10 (two retries)


def test_a_distributed_scan_checks_external_links_like_the_local_engine(cluster: Cluster) -> None:
    denied = lambda _handler: (999, {}, b"")  # noqa: E731 (LinkedIn's answer to crawlers)
    other = Site({"/ok": html("fine"), "/in/someone": denied})  # another host: localhost
    with other:
        port = other.url.rsplit(":", 1)[1].strip("/")
        links = "".join(
            f'<a href="http://localhost:{port}{path}">{text}</a>'
            for path, text in (("/ok", "ok"), ("/gone", "x"), ("/in/someone", "me"), ("/ads", "a"))
        )
        # The site's own shortcut to the 999, crawled: unverified too, not a broken link.
        shortcut = (302, {"Location": f"http://localhost:{port}/in/someone"}, b"")
        routes = {"/": html(links + '<a href="/go/me">me</a>'), "/go/me": lambda _h: shortcut}
        with Site(routes) as site:
            settings = cluster.settings()
            settings.crawl = settings.crawl.model_copy(update={"check_external": True})
            cluster.start_worker()
            spec = make_spec(settings, site.url, (), ("/ads",))  # not checked either
            scan_id, _ = service.submit(settings, spec)
            coordinator = service.open_coordinator(settings)
            try:
                outcome = service.follow(settings, scan_id, timeout_s=120, coordinator=coordinator)
                # Read while the database is open: the report's rows stream from it.
                broken = [
                    (f.url, f.locator, f.evidence)
                    for f in outcome.report.findings
                    if f.check_id == "external-link-broken"
                ]
                broken_internal = [
                    f.locator for f in outcome.report.findings if f.check_id == "broken-link"
                ]
                unverified = [
                    f.locator
                    for f in outcome.report.findings
                    if f.check_id == "external-link-unverified"
                ]
                first_checks = sorted(other.requests)
                # `analyze` delivered again (its worker died before moving the scan on): it
                # checks the links again, and its counters replace the first run's.
                with coordinator.engine.begin() as connection:
                    analyzing = {"status": ScanStatus.ANALYZING.value}
                    connection.execute(update(scans).where(scans.c.id == scan_id).values(analyzing))
                Steps(settings, coordinator).analyze(scan_id)
                again = coordinator.store.get_scan(scan_id).counters
            finally:
                coordinator.engine.dispose()
    checks = ["/gone", "/in/someone", "HEAD /gone", "HEAD /in/someone", "HEAD /ok"]
    assert first_checks == sorted([*checks, "/in/someone"])  # and the crawl of /go/me
    assert sorted(other.requests) == sorted([*first_checks, *checks])
    checked = ("external/checked", "external/broken", "external/refused")
    assert [again[name] for name in checked] == [3, 1, 1]
    assert again["external/skipped/excluded"] == 1
    assert broken == [
        (
            site.url,
            f"http://localhost:{port}/gone",
            f"http://localhost:{port}/gone answered HTTP 404 (link text 'x')",
        )
    ]
    # Refused: not broken, whether linked or reached through the site's own redirect.
    assert sorted(unverified) == sorted([f"http://localhost:{port}/in/someone", site.url + "go/me"])
    assert broken_internal == []
    counters = outcome.report.scan.counters
    assert (counters["external/checked"], counters["external/broken"]) == (3, 1)


def test_a_distributed_scan_checks_the_pages_resources_like_the_local_engine(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    style = lambda _handler: (200, {"Content-Type": "text/css"}, b"body{}")  # noqa: E731
    disallow = b"User-agent: *\nDisallow: /private/\n"
    robots = lambda _handler: (200, {"Content-Type": "text/plain"}, disallow)  # noqa: E731
    home = (
        '<link rel="stylesheet" href="/style.css"><img src="/gone.png" alt="gone">'
        '<img src="/private/p.png" alt="p"><a href="/about">about</a>'
    )
    routes = {
        "/": html(home),
        "/about": html('<img src="/gone.png" alt="again">'),
        "/style.css": style,
        "/robots.txt": robots,
    }
    with Site(routes) as site:
        settings = cluster.settings()
        settings.crawl = settings.crawl.model_copy(update={"check_external": False})
        cluster.start_worker()
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        coordinator = service.open_coordinator(settings)
        try:
            outcome = service.follow(settings, scan_id, timeout_s=120, coordinator=coordinator)
            broken = sorted(
                (f.url, f.locator) for f in outcome.report.findings if f.check_id == "image-broken"
            )
            counters = outcome.report.scan.counters
            # `analyze` delivered again with no time left for these checks: none is asked,
            # and its counters replace the first run's.
            asked = len(site.requests)
            with coordinator.engine.begin() as connection:
                analyzing = {"status": ScanStatus.ANALYZING.value}
                connection.execute(update(scans).where(scans.c.id == scan_id).values(analyzing))
            monkeypatch.setattr(steps_module, "TARGETS_SHARE", 0)
            steps = Steps(settings, coordinator)  # a worker process's, with its event loop
            try:
                steps.analyze(scan_id)
            finally:
                for fetcher in steps._fetchers.values():
                    steps._loop.run_until_complete(fetcher.close())
                steps._loop.close()
            late = coordinator.store.get_scan(scan_id)
        finally:
            coordinator.engine.dispose()
    assert len(site.requests) == asked
    assert {k: v for k, v in late.counters.items() if k.startswith("resources/")} == {
        "resources/answered-in-crawl": 0,
        "resources/skipped/robots": 1,
        "resources/skipped/time-limit": 2,
    }
    assert (
        "2 image, script and stylesheet URLs were not checked: the checks after the crawl ran"
        " out of time first (crawl.checks_time_limit_s, 900 s unless raised; on Celery"
        " workers half of distributed.analysis_time_limit_s; a site's Crawl-delay paces these"
        " checks too)."
    ) in crawl_notices(late)
    assert broken == [
        (site.url, site.url + "gone.png"),
        (site.url + "about", site.url + "gone.png"),
    ]
    assert sorted(r for r in site.requests if r.startswith("HEAD /") and r != "HEAD /") == [
        "HEAD /gone.png",
        "HEAD /style.css",
    ]
    assert not [r for r in site.requests if "private" in r]
    assert (counters["resources/checked"], counters["resources/broken"]) == (2, 1)
    assert counters["resources/skipped/robots"] == 1


# Host names the subdomain tests give their local servers (`crawl.hosts`, as --resolve).
PINS = {"shop.test": "127.0.0.1", "docs.shop.test": "127.0.0.1", "www.shop.test": "127.0.0.1"}


def named(site: Site, name: str) -> str:
    return site.url.replace("127.0.0.1", name)


@dataclass(frozen=True)
class Crawled:
    """What the subdomain tests compare of a finished scan."""

    status: ScanStatus
    pages: set[str]
    blocked: frozenset[str]
    counters: dict[str, int]


def crawl_subdomains(
    cluster: Cluster, start: str, crawl: dict[str, object], concurrency: int
) -> Crawled:
    """Scan `start` with the subdomains option, `PINS` and `crawl` on a fresh worker."""
    cluster.env["SITEAUDIT_CRAWL__HOSTS"] = json.dumps(PINS)
    settings = cluster.settings()
    update = {"subdomains": True, "hosts": PINS, **crawl}
    settings.crawl = settings.crawl.model_copy(update=update)
    cluster.start_worker(concurrency=concurrency)
    scan_id, _ = service.submit(settings, make_spec(settings, start, (), ()))
    coordinator = service.open_coordinator(settings)
    try:
        outcome = service.follow(settings, scan_id, timeout_s=120, coordinator=coordinator)
        return Crawled(
            outcome.status,
            {page.url for page in outcome.report.pages},
            coordinator.store.load_site(scan_id).robots_blocked,
            dict(outcome.report.scan.counters),
        )
    finally:
        coordinator.engine.dispose()


def test_a_distributed_scan_crawls_subdomains_under_their_own_robots_txt(
    cluster: Cluster,
) -> None:
    """With the parameter rules too: /a?utm_source=x&id=1 and /a?id=1 are one page."""
    docs = Site(
        {
            "/robots.txt": lambda _h: (200, {}, b"User-agent: *\nDisallow: /private\n"),
            "/": html('<a href="/guide">g</a><a href="/private/notes">p</a>'),
            "/guide": html("guide"),
            "/private/notes": html("secret"),
        }
    )
    with docs:
        docs_url = named(docs, "docs.shop.test")
        # Queued before the subdomain's robots.txt is read: blocked at fetch time.
        links = f'<a href="{docs_url}">d</a><a href="{docs_url}private/early">e</a>'
        links += '<a href="/a?utm_source=x&amp;id=1">a</a><a href="/a?id=1">a</a>'
        with Site({"/": html(links), "/a": html("a")}) as shop:
            start = named(shop, "shop.test")
            crawled = crawl_subdomains(cluster, start, {"strip_params": ["utm_*"]}, 2)
    assert crawled.status is ScanStatus.COMPLETED
    assert crawled.pages == {start, start + "a?id=1", docs_url, docs_url + "guide"}
    assert shop.requests.count("/a?id=1") == 1
    assert docs.requests[0] == "/robots.txt"
    assert not [path for path in docs.requests if path.startswith("/private")]
    assert sorted(crawled.blocked) == [docs_url + "private/early", docs_url + "private/notes"]
    assert crawled.counters["discover/skipped/robots-disallowed"] == 2
    assert crawled.counters["robots/hosts-read"] >= 1  # once per worker process needing it


def test_a_distributed_scan_starts_where_its_start_url_leads_on_the_site(
    cluster: Cluster,
) -> None:
    www: list[str] = []

    def home(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers["Host"].startswith("www."):
            return html('<a href="/a">a</a>')(handler)
        return 301, {"Location": www[0]}, b""

    with Site({"/": home, "/a": html("a")}) as shop:
        start = named(shop, "shop.test")
        www.append(named(shop, "www.shop.test"))
        crawled = crawl_subdomains(cluster, start, {"subdomains": False}, 1)
    assert crawled.status is ScanStatus.COMPLETED
    assert crawled.pages == {www[0], www[0] + "a"}
    assert shop.requests.count("/") == 1  # the home page on www; shop.test's was asked HEAD


def test_a_page_blocked_at_fetch_time_frees_its_place_under_the_page_limit(
    cluster: Cluster,
) -> None:
    robots = b"User-agent: *\nDisallow: /private\n"
    docs = Site(
        {
            "/robots.txt": lambda _h: (200, {}, robots),
            "/": html('<a href="/guide">g</a><a href="/more">m</a>'),
            "/guide": html("guide"),
            "/more": html("more"),
        }
    )
    with docs:
        docs_url = named(docs, "docs.shop.test")
        # One batch: the subdomain's home and a disallowed page of it, queued before its
        # robots.txt is read and blocked by the fetch step.
        links = f'<a href="{docs_url}">d</a><a href="{docs_url}private/early">e</a>'
        with Site({"/": html(links)}) as shop:
            start = named(shop, "shop.test")
            crawled = crawl_subdomains(cluster, start, {"max_pages": 4}, 1)
    # Four pages: the blocked one's place went to the subdomain's guide.
    assert crawled.pages == {start, docs_url, docs_url + "guide", docs_url + "more"}
    assert crawled.counters["discover/skipped/robots-disallowed"] == 1


def test_a_distributed_scan_verifies_tls_as_its_spec_asks(cluster: Cluster) -> None:
    """One worker, two scans of a site whose certificate no system trusts: the scan asked
    not to verify (--insecure) is crawled; the other fails on the certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("shop.test").configure_cert(context)
    pins = {"shop.test": "127.0.0.1"}
    cluster.env["SITEAUDIT_CRAWL__HOSTS"] = json.dumps(pins)
    cluster.start_worker()
    routes = {"/": html('<a href="/about">About</a>'), "/about": html("About")}
    with Site(routes, tls=context) as site:
        start = site.url.replace("127.0.0.1", "shop.test")
        outcomes = {}
        for verify in (False, True):
            settings = cluster.settings()
            update = {"hosts": pins, "verify_tls": verify}
            settings.crawl = settings.crawl.model_copy(update=update)
            scan_id, _ = service.submit(settings, make_spec(settings, start, (), ()))
            outcomes[verify] = (follow(settings, scan_id), scan_id)
    (unverified, _), (verified, failed_id) = outcomes[False], outcomes[True]
    assert unverified.status is ScanStatus.COMPLETED
    assert unverified.pages == {start: None, f"{start}about": None}
    assert verified.status is ScanStatus.FAILED
    with database(cluster.database_url) as engine:
        error = SqlScanStore(engine).get_scan(failed_id).error
    assert "the TLS certificate of shop.test does not verify" in str(error)


def test_steps_longer_than_the_stall_time_are_not_started_twice(cluster: Cluster) -> None:
    """The reconciler sends a scan's step again when the scan shows no progress for
    `stall_s`; reading many sitemaps, and checking resources, paced by a slow site, are
    progress, so nothing is asked twice."""
    image = lambda _handler: (200, {"Content-Type": "image/png"}, b"png")  # noqa: E731
    images = [f"/i{n}.png" for n in range(6)]
    sitemaps = [f"/sitemap-{n}.xml" for n in range(4)]
    namespace = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def xml(body: str) -> Route:
        document = f'<?xml version="1.0" encoding="UTF-8"?>{body}'.encode()
        return lambda _handler: (200, {"Content-Type": "application/xml"}, document)

    routes = {"/": html("".join(f'<img src="{path}" alt="i">' for path in images))}
    routes.update(dict.fromkeys(images, image))
    with Site(routes) as site:
        index = "".join(f"<sitemap><loc>{site.url}{path[1:]}</loc></sitemap>" for path in sitemaps)
        routes["/sitemap.xml"] = xml(f"<sitemapindex {namespace}>{index}</sitemapindex>")
        listing = xml(f"<urlset {namespace}><url><loc>{site.url}</loc></url></urlset>")
        routes.update(dict.fromkeys(sitemaps, listing))
        settings = cluster.settings(stall_s=2, reconcile_every_s=0.5)
        # One request every 0.8 s: the sitemaps, then the six checks, take about 4 s each,
        # past the stall time.
        update_ = {"check_external": False, "delay_s": 0.8}
        settings.crawl = settings.crawl.model_copy(update=update_)
        cluster.start_worker(concurrency=2)
        cluster.start_beat()
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        coordinator = service.open_coordinator(settings)
        seen: list[Progress] = []
        try:
            outcome = service.follow(
                settings, scan_id, seen.append, timeout_s=120, coordinator=coordinator
            )
            status, counters = outcome.report.scan.status, outcome.report.scan.counters
        finally:
            coordinator.engine.dispose()
        events = EventLog(settings.redis_url).read(scan_id)
    assert sorted(r for r in site.requests if r.startswith("/sitemap")) == [
        "/sitemap-0.xml",
        "/sitemap-1.xml",
        "/sitemap-2.xml",
        "/sitemap-3.xml",
        "/sitemap.xml",
    ]
    assert status is ScanStatus.COMPLETED
    assert sorted(r for r in site.requests if r.startswith("HEAD /i")) == [
        f"HEAD {path}" for path in images
    ]
    assert counters["resources/checked"] == len(images)
    # Meanwhile the worker said how far the checks were.
    checking = [data for kind, data in events if kind == "checking"]
    assert checking and all(data["total"] == len(images) for data in checking)
    assert 0 < checking[-1]["checked"] <= len(images)
    # --wait shows them: the progress line counts the checks as the local engine's does.
    shown = [p for p in seen if p.status is ScanStatus.ANALYZING and p.to_check]
    assert shown and {p.to_check for p in shown} == {len(images)}
    assert "links and resources checked" in format_progress(shown[-1])


@ONE_BROKER
def test_the_progress_counts_the_listed_urls_before_their_turn(cluster: Cluster) -> None:
    # As in the embedded engine (test_local_engine): the sitemaps' URLs wait for the pages
    # found by links, and --wait showed "4 discovered" meanwhile for a site listing 24.
    routes: dict[str, Route] = {}
    with Site(routes) as site:
        routes.update(slow_listing_routes(site.url, only_listed=20, slow_s=1.5))
        settings = cluster.settings()
        cluster.start_worker()
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        events: list[Progress] = []
        with followed(settings, scan_id, events.append) as outcome:
            pages = len(outcome.report.pages)
    assert (outcome.status, pages) == (ScanStatus.COMPLETED, 24)
    fetching = [event for event in events if event.status is ScanStatus.FETCHING]
    before_turn = [event for event in fetching if event.discovered > 0 and event.analyzed < 4]
    assert before_turn  # the slow page holds the links' crawl for a few polls
    assert {event.discovered for event in before_turn} == {24}


@ONE_BROKER
def test_a_page_the_site_drops_is_retried_and_counted(cluster: Cluster) -> None:
    def drop(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        raise ConnectionAbortedError("no answer, on purpose")  # the server closes it

    routes = {"/": html('<a href="/a">a</a> <a href="/gone">gone</a>'), "/a": html("a")}
    with Site({**routes, "/gone": drop}) as site:
        settings = cluster.settings()
        cluster.start_worker()
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        with followed(settings, scan_id) as outcome:
            pages = {page.url.removeprefix(site.url): page for page in outcome.report.pages}
            counters = outcome.report.scan.counters
    assert (pages["a"].status, pages["gone"].error_code) == (200, "protocol-error")
    assert site.requests.count("/gone") == 4  # a new connection at once, then two retries
    assert counters[DROPPED] == 3


@ONE_BROKER
def test_a_site_whose_server_repeats_content_length_is_audited_and_counted(
    cluster: Cluster,
) -> None:
    # As in the embedded engine (test_local_engine): answers browsers forgive are read.
    routes = {"/": html('<a href="/a">a</a>'), "/a": html("a")}
    with Site({path: length_twice(route) for path, route in routes.items()}) as site:
        settings = cluster.settings()
        cluster.start_worker()
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        with followed(settings, scan_id) as outcome:
            pages = sorted((page.url, page.status) for page in outcome.report.pages)
            counters = outcome.report.scan.counters
    assert pages == [(site.url, 200), (f"{site.url}a", 200)]
    assert counters[MALFORMED] >= 2


# The cancel flag lives in the database: one broker is enough.
@ONE_BROKER
def test_cancel_during_the_resource_checks_stops_their_requests(cluster: Cluster) -> None:
    hits: list[tuple[float, str]] = []
    image = logged(lambda _handler: (200, {"Content-Type": "image/png"}, b"png"), hits)
    images = [f"/i{n}.png" for n in range(12)]
    routes = {"/": html("".join(f'<img src="{path}" alt="i">' for path in images))}
    routes.update(dict.fromkeys(images, image))
    with Site(routes) as site:
        settings = cluster.settings()
        # One request every 0.5 s: the twelve checks would take 6 s.
        update_ = {"check_external": False, "delay_s": 0.5, "use_sitemaps": False}
        settings.crawl = settings.crawl.model_copy(update=update_)
        cluster.start_worker(concurrency=2)
        outcome, late = cancelled_after(settings, site.url, hits, 2)
    assert late == []
    assert 2 <= len(hits) < len(images)
    assert outcome.status is ScanStatus.CANCELLED
    assert outcome.pages == {site.url: None}


# The cancel flag lives in the database: one broker is enough.
@ONE_BROKER
def test_cancel_while_paced_sitemaps_are_read_stops_their_requests(cluster: Cluster) -> None:
    hits: list[tuple[float, str]] = []
    namespace = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    sitemaps = [f"/sitemap-{n}.xml" for n in range(12)]
    routes = {"/": html("home")}
    with Site(routes) as site:
        index = "".join(f"<sitemap><loc>{site.url}{path[1:]}</loc></sitemap>" for path in sitemaps)
        listing = f"<sitemapindex {namespace}>{index}</sitemapindex>".encode()
        routes["/sitemap.xml"] = lambda _h: (200, {"Content-Type": "application/xml"}, listing)
        urlset = f"<urlset {namespace}><url><loc>{site.url}</loc></url></urlset>".encode()
        page = logged(lambda _h: (200, {"Content-Type": "application/xml"}, urlset), hits)
        routes.update(dict.fromkeys(sitemaps, page))
        settings = cluster.settings()
        # One request every 0.5 s: the twelve sitemaps would take 6 s.
        settings.crawl = settings.crawl.model_copy(update={"delay_s": 0.5})
        cluster.start_worker(concurrency=2)
        outcome, late = cancelled_after(settings, site.url, hits, 2)
    assert late == []
    assert 2 <= len(hits) < len(sitemaps)
    assert outcome.status is ScanStatus.CANCELLED
    assert outcome.pages == {}


# The cancel flag lives in the database: one broker is enough.
@ONE_BROKER
def test_a_database_blip_does_not_end_the_watch_for_a_cancel(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`analyze` and `discover` read the cancel flag while they wait on the site; the
    database restarting meanwhile is logged, and the flag is read again."""
    settings = cluster.settings()
    coordinator = service.open_coordinator(settings)
    steps = Steps(settings, coordinator)
    blip = OperationalError("SELECT", {}, Exception("server closed the connection"))
    reads: list[Exception | bool] = [blip, False, True]

    def cancelled(_scan_id: int) -> bool:
        read = reads.pop(0)
        if isinstance(read, Exception):
            raise read
        return read

    async def waiting_on_the_site() -> str:
        await asyncio.sleep(60)
        return "done"

    monkeypatch.setattr(steps, "_cancelled", cancelled)
    began = time.monotonic()
    try:
        ended = steps._loop.run_until_complete(steps._unless_cancelled(7, waiting_on_the_site()))
    finally:
        steps._loop.close()
        coordinator.engine.dispose()
    assert ended is None and reads == []
    assert time.monotonic() - began < 5
    assert "scan 7: the cancel flag could not be read" in caplog.text


# The cancel flag lives in the database: one broker is enough.
@ONE_BROKER
def test_cancel_in_a_paced_crawl_sends_no_request_still_waiting_for_its_turn(
    cluster: Cluster,
) -> None:
    hits: list[tuple[float, str]] = []
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(30))
    routes = {"/": html(links, "Home")}
    routes.update({f"/p{i}": logged(html("<h1>p</h1>", f"P{i}"), hits) for i in range(30)})
    with Site(routes) as site:
        settings = cluster.settings(batch_size=10)
        # One request every 0.4 s, eight at a time: most of a batch waits for its turn.
        update_ = {"delay_s": 0.4, "concurrency": 8, "check_external": False}
        settings.crawl = settings.crawl.model_copy(update=update_)
        cluster.start_worker(concurrency=2)
        outcome, late = cancelled_after(settings, site.url, hits, 3)
    assert late == []
    assert outcome.status is ScanStatus.CANCELLED
    assert 3 <= len(hits) < 30


@ONE_BROKER
def test_a_fetch_task_reads_two_large_bodies_and_gives_the_others_back_to_fetch_alone(
    cluster: Cluster,
) -> None:
    # A fetch task holds its batch's bodies until the batch is fetched: a batch of 25 pages
    # of 10 MB held 250 MB in one worker process. Now two large bodies a task are read;
    # the other large pages go back to the queue untried and are fetched alone.
    large = "<p>" + "word " * (LARGE_BODY_BYTES // 4) + "</p>"
    paths = [f"/big{i}" for i in range(6)]
    big = html(large)
    _, _, body = big(cast(BaseHTTPRequestHandler, None))
    routes = {
        "/": html("".join(f'<a href="{path}">{path}</a>' for path in [*paths, "/small"])),
        "/small": html("a small page"),
        **dict.fromkeys(paths, big),
    }
    settings = cluster.settings(batch_size=10)
    cluster.start_worker(concurrency=1)
    with Site(routes) as site:
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        status, pages = follow_pages(settings, scan_id)
    assert status is ScanStatus.COMPLETED
    assert len(pages) == 8
    for path in paths:  # every large page read whole, none failed
        page = pages[site.url + path.lstrip("/")]
        assert page.error_code is None
        assert page.size_bytes == len(body)
    requested = [path for path in site.requests if path.startswith("/big")]
    # The batch of seven read two large bodies; four large pages were asked for again.
    assert len(requested) == len(paths) + len(paths) - LARGE_BODIES_PER_TASK
    assert max(requested.count(path) for path in paths) == 2
    assert site.requests.count("/small") == 1


@ONE_BROKER
@pytest.mark.parametrize(
    ("slow_s", "filler_s"), [(0.5, 0.05), (1.5, 0.0)], ids=["queued", "fetched"]
)
def test_a_page_gets_its_shortest_click_depth_when_a_deeper_path_is_found_first(
    cluster: Cluster, slow_s: float, filler_s: float
) -> None:
    # "/" -> /slow -> /target is two clicks, "/" -> /fast -> /mid -> /target three; /slow
    # answers late. "queued": /target's work row was queued three clicks deep first and is
    # lowered while queued. "fetched": /slow answers once the longer path is fetched
    # (/target stored at three, /leaf at four); the analysis walks the links again.
    depths = late_shortcut_depths(cluster, slow_s, filler_s)
    assert (depths["target"], depths["leaf"], depths["mid"], depths["f0"]) == (2, 3, 2, 3)


@ONE_BROKER
def test_a_page_the_depth_limit_cut_is_crawled_when_a_shorter_path_brings_it_within(
    cluster: Cluster,
) -> None:
    # As the embedded engine: /target fetched three clicks deep left /leaf out (four, past
    # the limit of 3); /slow then shows /target at two, which puts /leaf at three.
    requests: list[str] = []
    depths = late_shortcut_depths(cluster, 4.0, 0.0, max_depth=3, requests=requests)
    assert (depths["target"], depths.get("leaf")) == (2, 3)
    assert requests.count("/leaf") == 1


@ONE_BROKER
def test_a_url_the_page_limit_kept_out_is_not_said_to_be_too_deep_like_the_local_engine(
    cluster: Cluster,
) -> None:
    # As on the embedded engine: /target, left out three clicks deep, is then offered two
    # clicks deep with the page limit full; selection moves its row to the page limit.
    settings = cluster.settings(batch_size=1)
    settings.crawl.max_depth, settings.crawl.max_pages = 2, 4
    cluster.start_worker(concurrency=2)
    with Site(late_shortcut_routes(slow_s=4.0, filler_s=0.0)) as site:
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        coordinator = service.open_coordinator(settings)
        try:
            outcome = service.follow(settings, scan_id, timeout_s=120, coordinator=coordinator)
            paths = sorted(page.url.removeprefix(site.url) for page in outcome.report.pages)
        finally:
            coordinator.engine.dispose()
    counters = outcome.report.scan.counters
    assert paths == ["", "fast", "mid", "slow"]
    skipped = (counters["discover/skipped/page-limit"], counters["discover/skipped/too-deep"])
    assert skipped == (1, 40)


def late_shortcut_depths(
    cluster: Cluster,
    slow_s: float,
    filler_s: float,
    *,
    max_depth: int | None = None,
    requests: list[str] | None = None,
) -> dict[str, int]:
    """Scan `late_shortcut_routes` on a worker of `cluster`: each page's depth by path (the
    paths the site was asked for go to `requests`)."""
    settings = cluster.settings(batch_size=1)
    if max_depth is not None:
        settings.crawl.max_depth = max_depth
    cluster.start_worker(concurrency=2)
    with Site(late_shortcut_routes(slow_s=slow_s, filler_s=filler_s)) as site:
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        status, pages = follow_pages(settings, scan_id)
    assert status is ScanStatus.COMPLETED
    if requests is not None:
        requests.extend(site.requests)
    return {url.removeprefix(site.url): page.depth for url, page in pages.items()}


@ONE_BROKER
def test_pages_listed_in_the_sitemap_are_found_by_their_links_like_the_local_engine(
    cluster: Cluster,
) -> None:
    # The sitemap's URLs were queued with the start page: every listed page was "found via
    # the sitemap at depth 0" and the page limit took them in the sitemap's order. They now
    # wait until the pages found by links are done; the orphan alone comes from it.
    settings = cluster.settings()
    settings.crawl.max_pages = 5
    cluster.start_worker(concurrency=2)
    routes: dict[str, Route] = {}
    with Site(routes) as site:
        routes.update(listing_routes(site.url, ["/orphan", "/b", "/a", "/more", "/orphan2"]))
        scan_id, _ = service.submit(settings, make_spec(settings, site.url, (), ()))
        status, pages = follow_pages(settings, scan_id)
    assert status is ScanStatus.COMPLETED
    # The four linked pages first; the fifth place to the first URL only the sitemap lists.
    found = {
        url.removeprefix(site.url): (page.found_via, page.depth) for url, page in pages.items()
    }
    assert found == LISTING_FOUND


@ONE_BROKER
@pytest.mark.parametrize("staged", [False, True], ids=["inline", "staged"])
def test_a_redirects_target_is_audited_from_the_answer_that_ended_its_chain(
    cluster: Cluster, staged: bool
) -> None:
    # As on the embedded engine: each target was downloaded twice, at the end of its chain
    # and as a page of its own. Selection now stages the chain's final answer for the
    # target it queues. "staged": a scraping-only worker stages the redirecting page's
    # response, and an extraction worker keeps the target's answer from it.
    settings = cluster.settings()
    if staged:
        cluster.start_worker(["scan.scraping"])
        cluster.start_worker([q for q in QUEUES if q != "scan.scraping"])
    else:
        cluster.start_worker(concurrency=2)
    routes: dict[str, Route] = {}
    with Site(routes) as site:
        redirect_routes(routes, site.httpd.server_address[1])
        spec = make_spec(settings, site.url, (), (r"/private/",))
        scan_id, _ = service.submit(settings, spec)
        status, pages = follow_pages(settings, scan_id)
    assert status is ScanStatus.COMPLETED
    paths = {url.removeprefix(site.url): page for url, page in pages.items()}
    assert sorted(paths) == REDIRECT_PAGES
    assert (paths["a"].found_via, paths["a"].depth, paths["a"].status) == ("redirect", 1, 200)
    assert (paths["d"].found_via, paths["d"].depth) == ("link", 2)  # /a's links followed
    assert (paths["missing"].found_via, paths["missing"].status) == ("redirect", 404)
    assert paths["a"].title == "Page a"
    asked = [path for path in site.requests if not path.startswith("/robots")]
    assert [asked.count(p) for p in ("/a", "/missing", "/private/", "/other")] == [1, 1, 1, 1]
    with database(cluster.database_url) as engine, engine.connect() as connection:
        kept = connection.scalar(
            select(func.count()).where(work.c.scan_id == scan_id, work.c.body.is_not(None))
        )
    assert kept == 0  # no answer left behind in the work rows
