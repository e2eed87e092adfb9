"""A per-host circuit breaker: stop knocking on a host that keeps failing to answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Breaker(Protocol):
    """What the fetcher asks of a circuit breaker (in-process here, or shared elsewhere)."""

    def open_for(self, host: str) -> float | None:
        """Seconds until `host` may be tried again, or None."""
        ...

    def record_failure(self, host: str) -> None:
        """Count a connect/timeout failure."""
        ...

    def record_refusal(self, host: str) -> None:
        """Count an answer that refuses service (a 429, a 503 asking to wait): the circuit
        opens once the host has refused every request for the refusal window."""
        ...

    def record_success(self, host: str) -> None:
        """Close the host's circuit."""
        ...

    def record_rate_limit(self, host: str) -> None:
        """A URL `host` refused answered on a later try: the host limits its rate."""
        ...

    def rate_limited(self, host: str) -> bool:
        """Whether a URL `host` refused has answered on a later try (anywhere)."""
        ...

    def failures(self, host: str) -> int:
        """Consecutive failures counted for `host`."""
        ...

    def refusing_for(self, host: str) -> float | None:
        """When `host`'s circuit is open because it refused every request: for how many
        seconds it had; None otherwise."""
        ...


class CircuitBreaker:
    """Opens for a host after `threshold` consecutive connect/timeout failures, or once it
    has refused every request (429, or 503 asking to wait) for `refusal_window` seconds.

    While open, `open_for` reports the seconds left and the fetcher answers at once with
    `circuit-open`. After `reset_after` seconds one trial request is let through
    (half-open): a success closes the circuit, another failure (or refusal) opens it again.

    A refusal window rather than a count: the fetcher slows down for a host that refuses
    (`crawl.slots.Throttle`, up to one request every 5 s, each URL tried three times), so
    a site that refuses everything (a firewall rate-limiting crawlers) cost about 14 s a
    page, hours for a site; a server busy for a minute or two (a deploy, a maintenance
    page) is waited for, since any other answer closes the window.
    """

    def __init__(
        self,
        threshold: int,
        reset_after: float,
        clock: Callable[[], float] = time.monotonic,
        refusal_window: float = 120.0,
    ) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self.refusal_window = refusal_window
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._opened_at: dict[str, float] = {}
        self._refusing_since: dict[str, float] = {}
        self._refused_for: dict[str, float] = {}  # why an open circuit opened: refusals
        self._rate_limited: set[str] = set()  # hosts where a refused URL answered later

    def open_for(self, host: str) -> float | None:
        """Seconds until `host` may be tried again, or None when requests may go through."""
        opened_at = self._opened_at.get(host)
        if opened_at is None:
            return None
        left = opened_at + self.reset_after - self._clock()
        return left if left > 0 else None

    def record_failure(self, host: str) -> None:
        """Count a connect/timeout failure; open the circuit at the threshold."""
        failures = self._failures.get(host, 0) + 1
        self._failures[host] = failures
        if failures >= self.threshold:
            self._opened_at[host] = self._clock()

    def record_refusal(self, host: str) -> None:
        """Count an answer refusing service; open the circuit when the host has refused
        every request for the refusal window (it answers, so it is not failing)."""
        now = self._clock()
        self._failures.pop(host, None)
        since = self._refusing_since.setdefault(host, now)
        if now - since >= self.refusal_window:
            self._opened_at[host] = now
            self._refused_for[host] = now - since

    def record_success(self, host: str) -> None:
        """Any other HTTP answer proves the host alive and serving: close its circuit."""
        if host in self._failures or host in self._refusing_since:
            self._failures.pop(host, None)
            self._refusing_since.pop(host, None)
            self._refused_for.pop(host, None)
            self._opened_at.pop(host, None)

    def record_rate_limit(self, host: str) -> None:
        """A URL `host` refused answered on a later try: the host limits its rate."""
        self._rate_limited.add(host)

    def rate_limited(self, host: str) -> bool:
        """Whether a URL `host` refused has answered on a later try."""
        return host in self._rate_limited

    def failures(self, host: str) -> int:
        """Consecutive failures counted for `host`."""
        return self._failures.get(host, 0)

    def refusing_for(self, host: str) -> float | None:
        """Seconds `host` had refused every request when its circuit opened for that."""
        return self._refused_for.get(host) if host in self._opened_at else None
