"""What the page and depth limits kept out, as every report's head says it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from siteaudit.model import ScanStatus
from siteaudit.model.report import LEFT_OUT_COUNTED, ScanInfo, crawl_notices


def scan(counters: dict[str, int]) -> ScanInfo:
    return ScanInfo(
        id=1,
        start_url="http://e.com/",
        status=ScanStatus.COMPLETED,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        settings={"max_pages": 500, "max_depth": 10},
        counters=counters,
    )


def test_a_crawl_no_limit_cut_short_has_no_notice() -> None:
    assert crawl_notices(scan({"discover/skipped/out-of-scope": 40})) == ()


def test_each_limit_that_kept_urls_out_says_how_many_and_how_to_raise_it() -> None:
    notices = crawl_notices(
        scan({"discover/skipped/page-limit": 1234, "discover/skipped/too-deep": 2})
    )
    assert notices == (
        "The crawl stopped at its limit of 500 pages: 1,234 more URLs it found were not"
        " fetched (raise the limit with --max-pages or crawl.max_pages).",
        "2 URLs more than 10 links away from the start page were not fetched (raise the"
        " limit with --max-depth or crawl.max_depth).",
    )


def test_one_url_left_out_and_a_depth_limit_of_one_are_said_in_the_singular() -> None:
    info = scan({"discover/skipped/page-limit": 1, "discover/skipped/too-deep": 1})
    info = replace(info, settings={"max_pages": 500, "max_depth": 1})
    assert crawl_notices(info) == (
        "The crawl stopped at its limit of 500 pages: 1 more URL it found was not fetched"
        " (raise the limit with --max-pages or crawl.max_pages).",
        "1 URL more than 1 link away from the start page was not fetched (raise the limit"
        " with --max-depth or crawl.max_depth).",
    )
    (host,) = crawl_notices(scan({"discover/skipped/host-limit": 1}))
    assert host.startswith("1 URL on subdomains past the first 100 hosts was not fetched")


def test_counts_at_the_bound_of_what_a_scan_remembers_say_at_least() -> None:
    (notice,) = crawl_notices(scan({"discover/skipped/page-limit": LEFT_OUT_COUNTED}))
    assert f"at least {LEFT_OUT_COUNTED:,} more URLs" in notice


def test_urls_on_subdomains_past_the_host_bound_are_told() -> None:
    (notice,) = crawl_notices(scan({"discover/skipped/host-limit": 7}))
    assert notice == (
        "7 URLs on subdomains past the first 100 hosts were not fetched (a scan crawls at"
        " most that many hosts)."
    )


def test_subdomains_whose_robots_txt_could_not_be_read_are_told() -> None:
    (notice,) = crawl_notices(scan({"robots/hosts-unreadable": 2}))
    assert "could not be read" in notice and "RFC 9309" in notice


def test_checks_that_failed_with_an_internal_error_are_named_a_few_of_each_kind() -> None:
    counters = {f"analysis/check-error/check-{n}": n for n in range(1, 8)}
    counters |= {"analysis/site-check-error/orphan-page": 1, "fetch/status/200": 9}
    notices = crawl_notices(scan(counters))
    assert notices[0] == (
        "The check check-1 failed with an internal error on 1 page (a fault in the check, not"
        " in the site): it is scored as not applicable there."
    )
    assert "The check check-5 failed with an internal error on 5 pages" in notices[4]
    assert notices[5] == (
        "2 more checks failed with an internal error on some pages (the scan's counters"
        " analysis/check-error/<check> name them)."
    )
    assert notices[6] == (
        "The site check orphan-page failed with an internal error (a fault in the check, not"
        " in the site): it is scored as not applicable, and its findings may be incomplete."
    )
    assert len(notices) == 7


def test_a_start_url_that_moved_within_the_site_is_said_first() -> None:
    moved = replace(
        scan({"discover/skipped/page-limit": 3}),
        settings={
            "max_pages": 500,
            "start_url": "https://www.e.com/",
            "requested_url": "http://e.com/",
        },
    )
    notices = crawl_notices(moved)
    assert notices[0] == (
        "http://e.com/ redirects to https://www.e.com/: the scan audited the site from there"
        " (its robots.txt, sitemaps and pages)."
    )
    assert len(notices) == 2
    assert len(crawl_notices(replace(moved, settings={"requested_url": None}))) == 1


def test_checks_left_undone_after_the_crawl_are_named_by_kind_and_why() -> None:
    stopped = crawl_notices(
        scan({"external/skipped/cancelled": 3, "resources/skipped/cancelled": 1_200})
    )
    assert stopped == (
        "3 links to other sites and 1,200 image, script and stylesheet URLs were not"
        " checked: the scan was stopped first.",
    )
    (late,) = crawl_notices(scan({"external/skipped/time-limit": 1}))
    assert late.startswith(
        "1 link to other sites was not checked: the checks after the crawl ran out of time first"
    )


def test_pages_the_circuit_breaker_skipped_are_told_with_what_to_do() -> None:
    (notice,) = crawl_notices(scan({"fetch/status/circuit-open": 1_204}))
    assert notice.startswith("1,204 pages were skipped without a request")
    assert "refused every request" in notice and "--delay" in notice
    (one,) = crawl_notices(scan({"fetch/status/circuit-open": 1}))
    assert one.startswith("1 page was skipped")


def test_a_site_that_answered_only_errors_is_told_it_may_be_blocking_the_crawler() -> None:
    # A firewall blocking crawlers answers the start page with 403: one page, no links.
    (notice,) = crawl_notices(scan({"fetch/status/403": 1}))
    assert notice.startswith("No page answered: the only URL fetched answered HTTP 403.")
    assert "blocking crawlers" in notice and "user agent" in notice
    (many,) = crawl_notices(scan({"fetch/status/503": 3, "fetch/status/404": 1}))
    assert many.startswith("No page answered: all 4 URLs fetched answered HTTP 503 or 404.")


def test_a_site_that_answered_only_challenges_is_told_to_let_the_crawler_through() -> None:
    counters = {"fetch/status/403": 1, "fetch/challenged": 3, "fetch/slowed-down": 3}
    notice, slowed = crawl_notices(scan(counters))
    assert notice.startswith(
        "No page answered: the only URL fetched answered HTTP 403 with a bot-protection"
        " challenge (Cloudflare's or AWS WAF's), which a browser passes and a crawler cannot"
    )
    assert "bot protection" in notice and "user agent" in notice
    assert slowed.startswith("The site asked the crawler to slow down 3 times")
    assert "a bot-protection challenge" in slowed


def test_a_site_with_one_page_that_answered_has_no_such_notice() -> None:
    assert crawl_notices(scan({"fetch/status/200": 1, "fetch/status/404": 30})) == ()
    assert crawl_notices(scan({"fetch/status/301": 1, "fetch/status/500": 3})) == ()
    # Failures without an answer are the unreachable scan's error, not this notice.
    assert crawl_notices(scan({"fetch/status/timeout": 2})) == ()


def test_urls_without_an_answer_are_not_counted_as_answering() -> None:
    (notice,) = crawl_notices(scan({"fetch/status/403": 2, "fetch/status/timeout": 1}))
    assert notice.startswith("No page answered: the 2 URLs that got an answer answered HTTP 403.")


def test_a_start_page_that_links_nowhere_is_told_with_the_likely_reasons() -> None:
    # An app whose links are built by JavaScript: one page, no link the crawl can follow.
    (notice,) = crawl_notices(scan({"fetch/status/200": 1, "sitemap/urls": 0}))
    assert notice.startswith("Only the start page was crawled")
    assert "JavaScript" in notice and "sitemap" in notice
    assert crawl_notices(scan({"fetch/status/200": 2})) == ()
    one_page_asked = replace(scan({"fetch/status/200": 1}), settings={"max_depth": 0})
    assert crawl_notices(one_page_asked) == ()
    assert crawl_notices(replace(one_page_asked, settings={"max_pages": 1})) == ()


def test_a_site_that_asks_for_credentials_is_told_how_to_give_them() -> None:
    (notice,) = crawl_notices(scan({"fetch/status/401": 1}))
    assert notice.startswith("No page answered: the only URL fetched answered HTTP 401, which")
    assert "--header 'Authorization: Basic ...'" in notice
