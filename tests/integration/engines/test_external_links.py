"""The external-link step on its own: real fetchers against a site on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.sites import Site, html

from siteaudit.checks.catalogue import load_catalogue
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.ssrf import AddressPolicy
from siteaudit.engines import external_links
from siteaudit.engines.external_links import (
    OFFLINE_PROBE_HOSTS,
    Answer,
    Checker,
    ExternalLimits,
    ExternalResults,
    ExternalStep,
    select_targets,
)
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.model.page import FetchedPage
from siteaudit.model.report import EXTERNAL_LINKS, crawl_notices
from siteaudit.pipeline.aggregation import tally
from siteaudit.settings import CrawlSettings, Settings
from siteaudit.storage import open_store


@pytest.fixture
def site() -> Iterator[Site]:
    with Site({}, default=html("fine")) as served:
        yield served


def run(
    urls: list[str],
    policy: AddressPolicy,
    limits: ExternalLimits | None = None,
    cancelled: bool = False,
) -> ExternalResults:
    fetcher = lambda: HttpFetcher(FetchConfig(retries=0), policy)  # noqa: E731
    step = ExternalStep(fetcher, limits or ExternalLimits(), 4)

    async def go() -> ExternalResults:
        stop = asyncio.Event()
        if cancelled:
            stop.set()
        return await step.run(iter(urls), stop)

    return asyncio.run(go())


def test_the_service_policy_checks_no_private_address_and_blames_no_link(site: Site) -> None:
    results = run([site.url + "a", site.url + "b"], AddressPolicy.service())
    assert site.requests == []  # vetted before connecting, like any fetch
    assert results.broken() == {}
    assert results.counters == {"external/not-checked/ssrf-blocked": 2}


def test_each_host_and_the_scan_check_at_most_their_caps(site: Site) -> None:
    others = [f"http://localhost:{site.url.rsplit(':', 1)[1].strip('/')}/{n}" for n in range(3)]
    urls = [site.url + "a", site.url + "b", site.url + "c", *others]
    results = run(urls, AddressPolicy.cli(), ExternalLimits(per_host=2, total=3))
    # Two on 127.0.0.1 (its cap), one on localhost (the scan's): HEAD only, all fine.
    assert sorted(site.requests) == ["HEAD /0", "HEAD /a", "HEAD /b"]
    assert results.counters == {
        "external/checked": 3,
        "external/broken": 0,
        "external/skipped/host-cap": 1,
        "external/skipped/scan-cap": 2,
    }


def test_a_cancelled_scan_checks_nothing_more(site: Site) -> None:
    results = run([site.url + "a"], AddressPolicy.cli(), cancelled=True)
    assert site.requests == []
    assert results.counters == {"external/skipped/cancelled": 1}


def test_no_check_starts_past_the_deadline_and_the_rest_are_counted() -> None:
    asked: list[str] = []

    async def answer(url: str) -> FetchedPage:
        asked.append(url)
        return FetchedPage(url=url, final_url=url, status=200)

    async def check(deadline: float) -> ExternalResults:
        return await Checker(answer, 2, "resources/").run(
            ["a", "b", "c"], asyncio.Event(), deadline
        )

    results = asyncio.run(check(time.monotonic() - 1))
    assert asked == [] and results.counters == {"resources/skipped/time-limit": 3}
    results = asyncio.run(check(time.monotonic() + 60))
    assert asked == ["a", "b", "c"]
    assert results.counters == {"resources/checked": 3, "resources/broken": 0}


def test_cancelling_ends_the_checks_under_way_and_a_bug_in_one_is_not_hidden() -> None:
    started: list[str] = []

    async def slow(url: str) -> FetchedPage:
        started.append(url)
        await asyncio.sleep(30)  # waiting for the host's turn
        return FetchedPage(url=url, final_url=url, status=200)

    async def cancel_soon() -> ExternalResults:
        cancelled = asyncio.Event()
        asyncio.get_running_loop().call_later(0.1, cancelled.set)
        return await Checker(slow, 2, "resources/").run(["a", "b", "c"], cancelled)

    began = time.monotonic()
    results = asyncio.run(cancel_soon())
    assert time.monotonic() - began < 5
    assert started == ["a", "b"] and results.answers == {}
    assert results.counters == {"resources/skipped/cancelled": 3}

    async def buggy(url: str) -> FetchedPage:
        raise RuntimeError(f"a bug checking {url}")

    with pytest.raises(RuntimeError, match="a bug checking a"):
        asyncio.run(Checker(buggy, 1).run(["a"], asyncio.Event()))


def test_a_link_is_broken_on_an_error_status_or_no_answer_but_not_when_policy_forbade_it() -> None:
    assert Answer(404, None).broken and Answer(503, None).broken
    assert Answer(None, "dns-failed").broken and Answer(None, "connect-failed").broken
    assert not Answer(200, None).broken and not Answer(301, None).broken
    assert not Answer(None, "ssrf-blocked").broken


def test_a_host_turning_the_check_away_neither_breaks_nor_passes_the_link() -> None:
    for refusal in (Answer(999, None), Answer(429, None), Answer(403, None, challenged=True)):
        assert refusal.refused and not refusal.broken
    assert Answer(405, None, challenged=True).refused
    # Without a challenge's mark a 403 is the site's own answer; a challenge mark on an
    # answer that is not an error (AWS WAF's 202) refuses nothing.
    assert Answer(403, None).broken and not Answer(403, None).refused
    assert not Answer(202, None, challenged=True).refused
    assert not Answer(None, "timeout").refused and not Answer(200, None).refused
    results = ExternalResults(answers={"a": Answer(999, None), "b": Answer(404, None)})
    assert list(results.refused()) == ["a"] and list(results.broken()) == ["b"]


def test_targets_are_taken_in_order_within_the_caps_one_host_after_another() -> None:
    counters: Counter[str] = Counter()
    urls = ["http://a.test/1", "http://a.test/2", "http://b.test/1", "http://a.test/3"]
    chosen = select_targets(urls, ExternalLimits(per_host=2, total=10), counters)
    assert chosen == ["http://a.test/1", "http://b.test/1", "http://a.test/2"]  # hosts in turn
    assert counters == {"external/skipped/host-cap": 1}


def test_a_machine_without_network_access_blames_no_link_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The site scanned as localhost; its links to hosts nothing answers on, as behind a
    # closed network: one host here (the bound is three in a real scan).
    monkeypatch.setattr(external_links, "OFFLINE_HOSTS", 1)
    links = '<a href="http://127.0.0.1:1/a">a</a><a href="http://127.0.0.1:1/b">b</a>'
    with Site({"/": html(links)}) as scanned:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'scans.db'}",
            crawl=CrawlSettings(check_external=True, retries=0),
        )
        local = scanned.url.replace("127.0.0.1", "localhost")
        outcome = run_scan(settings, make_spec(settings, local, (), ()))
    assert outcome.report.scan.counters["external/offline-hosts"] == 1
    assert not [f for f in outcome.report.findings if f.check_id == "external-link-broken"]
    # Not checked is not passed: the check takes no part in the scores.
    stats = open_store(settings.database_url).check_stats(outcome.scan_id)
    assert stats.missing_inputs == {EXTERNAL_LINKS}
    tallies = {t.check_id: t for t in tally(load_catalogue(), stats)}
    assert tallies["external-link-broken"].applicable == 0 < tallies["broken-link"].applicable
    # (Its one page links only to other sites: the report also says only it was crawled.)
    assert crawl_notices(outcome.report.scan)[1:] == (
        "Links to other sites could not be checked: no host answered (1 tried), as on a"
        " machine without network access. Scan again with access, or with --no-external.",
    )


def test_no_answer_from_three_hosts_or_more_means_no_network() -> None:
    def results(*answers: tuple[str, Answer]) -> ExternalResults:
        return ExternalResults(answers=dict(answers))

    dns, refused = Answer(None, "dns-failed"), Answer(None, "connect-failed")
    assert results(("http://a.test/", dns), ("http://b.test/", refused)).offline_hosts() == 0
    three = [("http://a.test/", dns), ("http://b.test/", dns), ("http://c.test/x", refused)]
    assert results(*three).offline_hosts() == 3
    assert results(*three, ("http://d.test/", Answer(404, None))).offline_hosts() == 0
    assert results(*three, ("http://e.test/", Answer(None, "tls-failed"))).offline_hosts() == 0


def test_one_host_answering_makes_the_others_failures_the_links_own(site: Site) -> None:
    port = site.url.rsplit(":", 1)[1].strip("/")
    urls = ["http://127.0.0.1:1/a", f"http://localhost:{port}/b"]
    results = run(urls, AddressPolicy.cli())
    assert results.offline_hosts() == 0
    assert list(results.broken()) == ["http://127.0.0.1:1/a"]


def test_checking_stops_once_enough_hosts_failed_as_without_a_network() -> None:
    tried: list[str] = []

    async def no_network(url: str) -> FetchedPage:
        tried.append(url)
        return FetchedPage(url=url, final_url=url, status=None, error_code="dns-failed")

    async def check(urls: list[str]) -> ExternalResults:
        return await Checker(no_network, 1).run(urls, asyncio.Event())

    urls = [f"http://host{n}.test/" for n in range(20)]
    results = asyncio.run(check(urls))
    assert tried == urls[:OFFLINE_PROBE_HOSTS]
    assert results.counters["external/skipped/offline"] == 20 - OFFLINE_PROBE_HOSTS
    assert results.offline_hosts() == OFFLINE_PROBE_HOSTS
    # One host answering first proves the network: every link is checked, and the dead
    # ones are the links' own failures.
    tried.clear()

    async def first_answers(url: str) -> FetchedPage:
        if url == urls[0]:
            return FetchedPage(url=url, final_url=url, status=200)
        return await no_network(url)

    results = asyncio.run(Checker(first_answers, 1).run(urls, asyncio.Event()))
    assert len(results.answers) == 20 and results.offline_hosts() == 0


def test_the_checks_after_the_crawl_stop_starting_at_their_time_limit(tmp_path: Path) -> None:
    # A site can link to many hosts that each take their time: the scan's own machine gives
    # the checks `crawl.checks_time_limit_s`, then counts the rest and ends with its audit.
    def slow(_handler: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.4)
        return 200, {"Content-Type": "text/html"}, b"fine"

    with Site({}, default=slow) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost")
        links = "".join(f'<a href="{elsewhere}p{n}">{n}</a>' for n in range(20))
        with Site({"/": html(links)}) as scanned:
            settings = Settings(
                database_url=f"sqlite:///{tmp_path / 'scans.db'}",
                crawl=CrawlSettings(
                    check_external=True, retries=0, concurrency=2, checks_time_limit_s=1.0
                ),
            )
            outcome = run_scan(settings, make_spec(settings, scanned.url, (), ()))
    counters = outcome.report.scan.counters
    checked, late = counters["external/checked"], counters["external/skipped/time-limit"]
    assert checked + late == 20 and 2 <= checked < 20
    assert outcome.report.scan.status.value == "completed"
    assert any("ran out of time" in notice for notice in crawl_notices(outcome.report.scan))
