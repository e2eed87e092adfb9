"""Subresources (images, scripts, stylesheets) checked once the crawl ends: real scans of a
site on 127.0.0.1, whose request log shows what was asked."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.sites import Route, Site, html, logged

from siteaudit.checks.catalogue import load_catalogue
from siteaudit.cli.display import format_progress
from siteaudit.engines import resources
from siteaudit.engines.external_links import Answer
from siteaudit.engines.resources import ResourceChecks
from siteaudit.engines.runner import ScanOutcome, make_spec, run_scan
from siteaudit.model import ScanStatus
from siteaudit.model.events import Progress
from siteaudit.model.page import FetchedPage
from siteaudit.model.report import RESOURCES, crawl_notices
from siteaudit.pipeline.aggregation import tally
from siteaudit.pipeline.ports import ResourceTarget
from siteaudit.settings import CrawlSettings, Settings
from siteaudit.storage import open_store


def asset(content_type: str) -> Route:
    return lambda _handler: (200, {"Content-Type": content_type}, b"x" * 10)


def text(body: str, content_type: str = "text/plain") -> Route:
    return lambda _handler: (200, {"Content-Type": content_type}, body.encode())


HOME = (
    '<link rel="stylesheet" href="/style.css"><script src="/gone.js"></script>'
    '<img src="/img/ok.png" alt="fine"><img src="/img/missing.png" alt="missing">'
    '<img src="/private/hidden.png" alt="disallowed">'
    '<a href="/img/linked.png">the picture</a><img src="/img/linked.png" alt="linked">'
    '<a href="/about">about</a>'
)


def routes() -> dict[str, Route]:
    return {
        "/": html(HOME),
        "/about": html('<img src="/img/missing.png" alt="again">'),
        "/style.css": asset("text/css"),
        "/img/ok.png": asset("image/png"),
        "/robots.txt": text("User-agent: *\nDisallow: /private/\n"),
    }


def scan(
    tmp_path: Path, url: str, on_progress: Callable[[Progress], None] | None = None, **crawl: object
) -> tuple[ScanOutcome, Settings]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'scans.db'}",
        crawl=CrawlSettings(retries=0, use_sitemaps=False, **crawl),  # type: ignore[arg-type]
    )
    spec = make_spec(settings, url, (), ())
    return run_scan(settings, spec, on_progress=on_progress), settings


def broken(outcome: ScanOutcome, check_id: str) -> list[tuple[str, str, str]]:
    return sorted(
        (f.url.rsplit("/", 1)[1], f.locator.split("/", 3)[3], f.evidence.split(" ", 1)[1])
        for f in outcome.report.findings
        if f.check_id == check_id
    )


def test_broken_images_and_scripts_are_found_once_per_url_and_reported_on_each_page(
    tmp_path: Path,
) -> None:
    with Site(routes()) as site:
        outcome, _ = scan(tmp_path, site.url, check_external=False)
    asked = [r for r in site.requests if not r.startswith(("/robots.txt", "/llms.txt"))]
    # Each resource URL once (HEAD; GET again when HEAD answers an error, as for external
    # links); the linked image was crawled, so its answer is the crawl's; robots.txt's
    # disallowed one is never asked.
    assert sorted(r for r in asked if r not in ("HEAD /", "/", "/about")) == [
        "/gone.js",
        "/img/linked.png",
        "/img/missing.png",
        "HEAD /gone.js",
        "HEAD /img/missing.png",
        "HEAD /img/ok.png",
        "HEAD /style.css",
    ]
    assert asked.count("/img/linked.png") == 1  # the crawl's request
    assert not [r for r in site.requests if "private" in r]
    assert broken(outcome, "image-broken") == [
        ("", "img/linked.png", "answered HTTP 404 (image)"),
        ("", "img/missing.png", "answered HTTP 404 (image)"),
        ("about", "img/missing.png", "answered HTTP 404 (image)"),
    ]
    assert broken(outcome, "resource-broken") == [("", "gone.js", "answered HTTP 404 (script)")]
    counters = outcome.report.scan.counters
    assert {k: v for k, v in counters.items() if k.startswith("resources/")} == {
        "resources/answered-in-crawl": 1,
        "resources/checked": 4,
        "resources/broken": 2,
        "resources/skipped/robots": 1,
    }
    assert outcome.report.scan.status.value == "completed"


def test_images_on_other_hosts_are_checked_with_the_external_links_only(tmp_path: Path) -> None:
    with Site({}) as cdn:
        other = cdn.url.replace("127.0.0.1", "localhost") + "pic.png"
        site_routes = routes()
        site_routes["/about"] = html(f'<img src="{other}" alt="cdn">')
        with Site(site_routes) as site:
            scan(tmp_path, site.url, check_external=False)
            assert cdn.requests == []
            outcome, _ = scan(tmp_path / "again", site.url, check_external=True)
    assert cdn.requests == ["HEAD /pic.png", "/pic.png"]
    found = [f for f in outcome.report.findings if f.check_id == "image-broken"]
    assert [f.url for f in found if f.locator == other] == [site.url + "about"]
    assert outcome.report.scan.counters["external/broken"] == 1


def test_an_image_whose_host_turns_the_check_away_is_not_called_broken(tmp_path: Path) -> None:
    limited = lambda _handler: (429, {"Content-Type": "text/html"}, b"slow down")  # noqa: E731
    challenge = (403, {"Content-Type": "text/html", "cf-mitigated": "challenge"}, b"are you human")
    with Site({}, default=lambda _handler: challenge) as cdn:
        other = cdn.url.replace("127.0.0.1", "localhost") + "pic.png"
        site_routes = routes()
        images = f'<img src="{other}" alt="cdn"><img src="/limited.png" alt="limited">'
        site_routes["/about"] = html('<img src="/img/missing.png" alt="again">' + images)
        site_routes["/limited.png"] = limited
        with Site(site_routes) as site:
            outcome, _ = scan(tmp_path, site.url, check_external=True)
    assert broken(outcome, "image-broken") == [
        ("", "img/linked.png", "answered HTTP 404 (image)"),
        ("", "img/missing.png", "answered HTTP 404 (image)"),
        ("about", "img/missing.png", "answered HTTP 404 (image)"),
    ]
    counters = outcome.report.scan.counters
    assert (counters["resources/refused"], counters["resources/broken"]) == (1, 2)
    assert (counters["external/refused"], counters["external/broken"]) == (1, 0)
    notices = crawl_notices(outcome.report.scan)
    assert any(n.startswith("1 URL on other sites could not be verified") for n in notices)
    assert any(n.startswith("1 of the site's own image, script and stylesheet") for n in notices)


def test_with_the_checks_off_nothing_is_asked_and_the_checks_score_as_not_applicable(
    tmp_path: Path,
) -> None:
    with Site(routes()) as site:
        outcome, settings = scan(tmp_path, site.url, check_external=False, check_resources=False)
    assert [r for r in site.requests if "png" in r or ".js" in r or ".css" in r] == [
        "/img/linked.png"  # crawled: it is linked
    ]
    assert not [f for f in outcome.report.findings if f.check_id.endswith("-broken")]
    stats = open_store(settings.database_url).check_stats(outcome.scan_id)
    assert RESOURCES in stats.missing_inputs
    tallies = {t.check_id: t for t in tally(load_catalogue(), stats)}
    assert tallies["image-broken"].applicable == 0
    assert tallies["resource-broken"].applicable == 0


def test_images_over_100_kb_are_reported_on_each_page_that_shows_them(tmp_path: Path) -> None:
    heavy = lambda _handler: (200, {"Content-Type": "image/jpeg"}, b"j" * 150_000)  # noqa: E731
    light = lambda _handler: (200, {"Content-Type": "image/jpeg"}, b"j" * 100 * 1024)  # noqa: E731
    pages = {
        "/": html('<img src="/hero.jpg" alt="h"><img src="/icon.jpg" alt="i"><a href="/b">b</a>'),
        "/b": html(
            '<img src="/hero.jpg" alt="again"><script src="/big.js"></script>'
            '<a href="/poster.jpg">poster</a><img src="/poster.jpg" alt="poster">'
        ),
        "/hero.jpg": heavy,
        "/poster.jpg": heavy,  # linked as well: crawled, and judged by the crawl's answer
        "/icon.jpg": light,  # exactly 100 KB: not over
        "/big.js": heavy,  # not an image
    }
    with Site(pages) as site:
        outcome, _ = scan(tmp_path, site.url, check_external=False)
    found = sorted(
        (f.url, f.locator, f.evidence)
        for f in outcome.report.findings
        if f.check_id == "image-size-large"
    )
    hero, poster = site.url + "hero.jpg", site.url + "poster.jpg"
    assert found == [
        (site.url, hero, f"{hero}: 150,000 bytes"),
        (site.url + "b", hero, f"{hero}: 150,000 bytes"),
        (site.url + "b", poster, f"{poster}: 150,000 bytes"),
    ]
    assert "HEAD /poster.jpg" not in site.requests
    assert sorted(r for r in site.requests if r.startswith("HEAD /") and r != "HEAD /") == [
        "HEAD /big.js",
        "HEAD /hero.jpg",
        "HEAD /icon.jpg",
    ]  # sizes from the HEAD answers: no image body was read


def test_the_scan_requests_at_most_its_cap_of_the_sites_own_resources(tmp_path: Path) -> None:
    with Site(routes()) as site:
        outcome, _ = scan(tmp_path, site.url, check_external=False, resources_max=2)
    heads = sorted(r for r in site.requests if r.startswith("HEAD /") and r != "HEAD /")
    assert heads == ["HEAD /gone.js", "HEAD /img/missing.png"]  # the first two, by URL
    assert outcome.report.scan.counters["resources/skipped/scan-cap"] == 3
    assert (
        "3 more image, script and stylesheet URLs were not checked: a scan checks at most"
        " crawl.resources_max of them on the site (10,000 unless raised) and as many on"
        " other hosts."
    ) in crawl_notices(outcome.report.scan)


def test_the_site_s_own_and_other_hosts_urls_are_kept_up_to_the_cap_each() -> None:
    async def never(_url: str) -> FetchedPage:
        raise AssertionError("not asked")

    async def allowed(_url: str) -> bool:
        return True

    checks = ResourceChecks(never, allowed, lambda url: "//own/" in url, 2, 1)
    targets = [
        ResourceTarget("http://cdn/1"),
        ResourceTarget("http://cdn/2"),
        ResourceTarget("http://cdn/3"),
        ResourceTarget("http://own/1"),
        ResourceTarget("http://own/2", 404, None, crawled=True),  # not counted against it
        ResourceTarget("http://own/3"),
        ResourceTarget("http://own/4"),
    ]
    found = resources._sort(targets, checks, lambda _url: False)
    assert (found.own, found.other) == (
        ["http://own/1", "http://own/3"],
        ["http://cdn/1", "http://cdn/2"],
    )
    assert found.known == {"http://own/2": Answer(404, None)}
    assert found.past_limit == 2


def test_the_progress_counts_the_checks_while_a_slow_site_paces_them(tmp_path: Path) -> None:
    images = [f"/i{n}.png" for n in range(5)]
    pages = {"/": html("".join(f'<img src="{path}" alt="i">' for path in images))}
    pages.update(dict.fromkeys(images, asset("image/png")))
    seen: list[Progress] = []
    with Site(pages) as site:
        # One request every 0.3 s: the five checks take over a second.
        outcome, _ = scan(tmp_path, site.url, seen.append, check_external=False, delay_s=0.3)
    assert outcome.report.scan.counters["resources/checked"] == len(images)
    checking = [p for p in seen if p.status is ScanStatus.ANALYZING and p.to_check]
    assert checking, "no progress was reported while the resources were checked"
    assert {p.to_check for p in checking} == {len(images)}
    counts = [p.checked for p in checking]
    assert counts == sorted(counts) and counts[0] < counts[-1] <= len(images)
    percents = [p.percent for p in seen]
    assert percents == sorted(percents)  # it never moves backwards
    assert all(90.0 <= p.percent <= 95.0 for p in checking)
    assert "links and resources checked" in format_progress(checking[-1])
    assert seen[-1].percent == 100.0


def test_ctrl_c_during_the_checks_stops_their_requests_and_keeps_the_audit(
    tmp_path: Path,
) -> None:
    hits: list[tuple[float, str]] = []
    images = [f"/i{n}.png" for n in range(12)]
    pages = {"/": html("".join(f'<img src="{path}" alt="i">' for path in images))}
    pages.update(dict.fromkeys(images, logged(asset("image/png"), hits)))
    stopped: list[float] = []

    def on_progress(progress: Progress) -> None:
        if progress.checked >= 2 and not stopped:  # Ctrl-C, as a user's terminal sends it
            stopped.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    with Site(pages) as site:
        # One request every 0.4 s: the twelve checks would take about 5 s.
        outcome, _ = scan(tmp_path, site.url, on_progress, check_external=False, delay_s=0.4)
        time.sleep(1.5)
    assert stopped
    grace = 0.5  # the request under way when the signal came may finish
    assert [path for at, path in hits if at > stopped[0] + grace] == []
    counters = outcome.report.scan.counters
    checked = counters["resources/checked"]
    assert 2 <= checked < len(images)
    assert counters["resources/skipped/cancelled"] == len(images) - checked
    # The crawl was complete: its pages are audited and reported, and the report says
    # what was not checked.
    assert outcome.report.scan.status is ScanStatus.COMPLETED
    assert [p.url for p in outcome.report.pages] == [site.url]
    assert (
        f"{len(images) - checked} image, script and stylesheet URLs were not checked: the"
        " scan was stopped first."
    ) in crawl_notices(outcome.report.scan)
