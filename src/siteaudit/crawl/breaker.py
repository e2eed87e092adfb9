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

    def record_success(self, host: str) -> None:
        """Close the host's circuit."""
        ...

    def failures(self, host: str) -> int:
        """Consecutive failures counted for `host`."""
        ...


class CircuitBreaker:
    """Opens for a host after `threshold` consecutive connect/timeout failures.

    While open, `open_for` reports the seconds left and the fetcher answers at once with
    `circuit-open`. After `reset_after` seconds one trial request is let through
    (half-open): a success closes the circuit, another failure opens it again.
    """

    def __init__(
        self,
        threshold: int,
        reset_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._opened_at: dict[str, float] = {}

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

    def record_success(self, host: str) -> None:
        """Any HTTP answer proves the host alive: close its circuit."""
        if host in self._failures:
            del self._failures[host]
            self._opened_at.pop(host, None)

    def failures(self, host: str) -> int:
        """Consecutive failures counted for `host`."""
        return self._failures.get(host, 0)
