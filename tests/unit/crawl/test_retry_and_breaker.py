"""Retry delays and the per-host circuit breaker."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from siteaudit.crawl import fetcher as fetcher_module
from siteaudit.crawl.breaker import CircuitBreaker
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import ANSWERED_S, KEPT_HOSTS, HttpFetcher, _keep
from siteaudit.crawl.retries import backoff_delay, parse_retry_after, retry_delay
from siteaudit.model.refusals import is_challenge


def test_backoff_grows_exponentially_and_stays_under_the_cap() -> None:
    rng = random.Random(7)
    for attempt in range(10):
        delay = backoff_delay(attempt, base=0.5, cap=8.0, rng=rng)
        assert 0 <= delay <= min(8.0, 0.5 * 2**attempt)


def test_a_challenge_is_an_error_answer_bot_protection_marked_as_one() -> None:
    def headers(**values: str) -> Callable[[str], str | None]:
        return lambda name: values.get(name.replace("-", "_"))

    assert is_challenge(403, headers(cf_mitigated="challenge"))
    assert is_challenge(403, headers(cf_mitigated=" Challenge "))  # as HTTP compares it
    assert is_challenge(405, headers(x_amzn_waf_action="captcha"))
    assert is_challenge(429, headers(x_amzn_waf_action="challenge"))
    assert not is_challenge(403, headers())  # the site's own refusal
    assert not is_challenge(403, headers(cf_mitigated="block"))  # no browser passes a block
    assert not is_challenge(202, headers(x_amzn_waf_action="challenge"))  # no error
    assert not is_challenge(None, headers(cf_mitigated="challenge"))


def test_retry_after_in_seconds_and_as_a_date_are_understood() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_huge_retry_after_is_capped() -> None:
    assert retry_delay(0, "86400", base=0.5, cap=8, max_retry_after=30) == 30


def test_without_retry_after_the_backoff_applies() -> None:
    assert 0 <= retry_delay(3, None, base=0.5, cap=2, max_retry_after=30) <= 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_the_threshold_of_consecutive_failures() -> None:
    breaker = CircuitBreaker(threshold=3, reset_after=60, clock=Clock())
    for _ in range(2):
        breaker.record_failure("http://a")
    assert breaker.open_for("http://a") is None
    breaker.record_failure("http://a")
    assert breaker.open_for("http://a") == 60
    assert breaker.open_for("http://b") is None


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2, reset_after=60, clock=Clock())
    breaker.record_failure("http://a")
    breaker.record_success("http://a")
    breaker.record_failure("http://a")
    assert breaker.open_for("http://a") is None


def test_an_open_breaker_lets_one_trial_through_after_the_reset_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, reset_after=60, clock=clock)
    breaker.record_failure("http://a")
    clock.now += 61
    assert breaker.open_for("http://a") is None
    breaker.record_failure("http://a")
    assert breaker.open_for("http://a") == 60


def test_a_host_that_refuses_everything_for_the_window_opens_the_circuit() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, reset_after=60, clock=clock, refusal_window=120)
    for _ in range(10):  # many refusals within the window: waited for (a busy server)
        breaker.record_refusal("http://a")
        clock.now += 11
    assert breaker.open_for("http://a") is None
    assert breaker.refusing_for("http://a") is None
    breaker.record_refusal("http://a")  # 110 s after the first
    assert breaker.open_for("http://a") is None
    clock.now += 10
    breaker.record_refusal("http://a")
    assert breaker.open_for("http://a") == 60
    assert breaker.refusing_for("http://a") == 120
    assert breaker.open_for("http://b") is None
    # The trial after the reset time is refused too: open again at once.
    clock.now += 61
    assert breaker.open_for("http://a") is None
    breaker.record_refusal("http://a")
    assert breaker.open_for("http://a") == 60
    assert breaker.refusing_for("http://a") == 181


def test_any_other_answer_ends_a_refusal_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, reset_after=60, clock=clock, refusal_window=120)
    breaker.record_refusal("http://a")
    clock.now += 100
    breaker.record_success("http://a")  # a page came through: the server serves us
    clock.now += 100
    breaker.record_refusal("http://a")
    assert breaker.open_for("http://a") is None


def test_refusals_are_answers_so_they_reset_the_count_of_failures() -> None:
    breaker = CircuitBreaker(threshold=2, reset_after=60, clock=Clock())
    breaker.record_failure("http://a")
    breaker.record_refusal("http://a")
    breaker.record_failure("http://a")
    assert breaker.open_for("http://a") is None


def test_a_host_answered_recently_is_up_and_the_fetcher_keeps_few_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whether a cut connection counts as a failure (`HttpFetcher._attempt`) asks this; a
    # Celery worker's fetcher serves scan after scan, so what it keeps is bounded.
    clock = Clock()
    monkeypatch.setattr(fetcher_module.time, "monotonic", clock)
    fetcher = HttpFetcher(FetchConfig())
    fetcher._note_answer("http://up")
    clock.now += ANSWERED_S - 1
    assert fetcher._answers("http://up")
    assert not fetcher._answers("http://never")
    clock.now += 2
    assert not fetcher._answers("http://up")  # too long ago
    for n in range(KEPT_HOSTS + 5):
        fetcher._note_answer(f"http://host-{n}")
    assert len(fetcher._answered) <= KEPT_HOSTS
    assert fetcher._answers(f"http://host-{KEPT_HOSTS + 4}")


def test_the_hosts_a_fetcher_remembers_are_bounded() -> None:
    # Rate-limited hosts and origins that send bytes after a HEAD answer are kept for the
    # fetcher's life, which on a Celery worker spans scan after scan.
    hosts: set[str] = set()
    for n in range(KEPT_HOSTS * 2 + 3):
        _keep(hosts, f"http://host-{n}")
    assert len(hosts) <= KEPT_HOSTS
    assert f"http://host-{KEPT_HOSTS * 2 + 2}" in hosts  # the latest is always kept
