"""Interpreting a robots.txt answer as RFC 9309 says."""

from __future__ import annotations

import pytest

from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.robots import MAX_CRAWL_DELAY, Robots, RobotsMode, interpret, robots_url
from siteaudit.model.page import FetchedPage

URL = "https://example.com/robots.txt"
RULES = (
    b"User-agent: *\nDisallow: /private\nCrawl-delay: 3600\nSitemap: https://example.com/s.xml\n"
)


def answer(status: int | None, body: bytes = b"", code: str | None = None) -> FetchedPage:
    return FetchedPage(url=URL, final_url=URL, status=status, body=body, error_code=code)


def test_a_200_answer_is_parsed_into_rules_and_sitemaps() -> None:
    robots = interpret(URL, answer(200, RULES))
    assert robots.mode is RobotsMode.PARSED
    assert not robots.allowed("https://example.com/private/x", "siteaudit")
    assert robots.allowed("https://example.com/public", "siteaudit")
    assert robots.sitemaps == ("https://example.com/s.xml",)


def test_crawl_delay_is_capped() -> None:
    assert interpret(URL, answer(200, RULES)).crawl_delay("siteaudit") == MAX_CRAWL_DELAY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_4xx_answer_allows_everything(status: int) -> None:
    robots = interpret(URL, answer(status))
    assert robots.mode is RobotsMode.ALLOW_ALL
    assert robots.allowed("https://example.com/anything", "siteaudit")


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_server_error_or_429_disallows_everything_and_says_why(status: int) -> None:
    robots = interpret(URL, answer(status))
    assert robots.mode is RobotsMode.DISALLOW_ALL
    assert not robots.allowed("https://example.com/", "siteaudit")
    assert str(status) in robots.reason


@pytest.mark.parametrize(
    "code", [ErrorCode.TIMEOUT, ErrorCode.CONNECT_FAILED, ErrorCode.DNS_FAILED]
)
def test_an_unreachable_robots_txt_disallows_everything(code: str) -> None:
    robots = interpret(URL, answer(None, code=code))
    assert robots.mode is RobotsMode.DISALLOW_ALL
    assert code in robots.reason


def test_too_many_redirects_counts_as_unavailable() -> None:
    robots = interpret(URL, answer(301, code=ErrorCode.TOO_MANY_REDIRECTS))
    assert robots.mode is RobotsMode.ALLOW_ALL


def test_a_truncated_file_is_parsed_without_its_cut_last_line() -> None:
    body = b"User-agent: *\nDisallow: /a\nDisallow: /b"
    robots = interpret(URL, answer(200, body, ErrorCode.TOO_LARGE))
    assert robots.truncated
    assert not robots.allowed("https://example.com/a", "bot")
    assert robots.allowed("https://example.com/b", "bot")


def test_robots_txt_itself_is_always_allowed() -> None:
    robots = Robots.from_text(URL, "User-agent: *\nDisallow: /\n")
    assert robots.allowed(URL, "bot")
    assert not robots.allowed("https://example.com/page", "bot")


def test_the_robots_url_is_at_the_root_of_the_origin() -> None:
    assert robots_url("https://example.com:8443/a/b?c") == "https://example.com:8443/robots.txt"
