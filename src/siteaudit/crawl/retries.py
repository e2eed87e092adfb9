"""When to try a request again: exponential backoff with full jitter, and Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Statuses worth another try: the server says it is briefly overloaded or a gateway blinked.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Answers that ask the crawler to slow down for the whole host, not just this request.
SLOW_DOWN_STATUSES = frozenset({429, 503})


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): uniform in [0, base * 2^n].

    Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") spreads the
    retries of many concurrent fetches instead of having them return in lock step.
    """
    ceiling = min(cap, base * (2**attempt))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(
    attempt: int,
    retry_after: str | None,
    *,
    base: float,
    cap: float,
    max_retry_after: float,
) -> float:
    """The wait before the next try: the server's Retry-After (capped) or our backoff."""
    asked = parse_retry_after(retry_after)
    if asked is not None:
        return min(asked, max_retry_after)
    return backoff_delay(attempt, base, cap)
