"""Settings of the HTTP fetcher: identity, concurrency, deadlines, bounds and retries."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
DEFAULT_USER_AGENT = "siteaudit/0.1 (+https://github.com/siteaudit/siteaudit)"


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How `HttpFetcher` fetches: every bound a hostile site could otherwise stretch.

    Times are seconds. `total_timeout` is a deadline for one whole exchange (connect,
    headers and body), so a server trickling a byte at a time cannot hold a slot;
    `read_timeout` bounds the gap between two reads. `max_body_bytes` counts decoded bytes.
    `allow_private` / `allow_loopback` seed the default `AddressPolicy`.
    """

    user_agent: str = DEFAULT_USER_AGENT
    extra_headers: tuple[tuple[str, str], ...] = ()
    # The only host `extra_headers` go to (the scanned site's): never to another host, a
    # redirect's or a sitemap's included. None: they go nowhere.
    headers_host: str | None = None
    concurrency: int = 64
    per_host_concurrency: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_body_bytes: int = 10 * MIB
    max_redirects: int = 10
    retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 30.0
    allow_private: bool = False
    allow_loopback: bool = False
    circuit_breaker_threshold: int = 5
    circuit_breaker_reset: float = 60.0
    # A host that refuses every request (429, 503 asking to wait) for this long has its
    # remaining URLs skipped like a dead host's (`crawl.breaker.CircuitBreaker`).
    refusal_window: float = 120.0
    dns_cache_ttl: int = 60
    # Host names pinned to addresses (a hosts file's lines; the addresses are still vetted).
    hosts: tuple[tuple[str, str], ...] = ()
    # TLS certificates are verified (against the system's CAs and those in `ca_bundle`, a
    # PEM file) unless `verify_tls` is off.
    verify_tls: bool = True
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        """Refuse settings that would disable a bound instead of setting it."""
        positive = {
            "concurrency": self.concurrency,
            "per_host_concurrency": self.per_host_concurrency,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "total_timeout": self.total_timeout,
            "max_body_bytes": self.max_body_bytes,
            "circuit_breaker_threshold": self.circuit_breaker_threshold,
            "refusal_window": self.refusal_window,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"FetchConfig.{name} must be positive, got {value!r}")
        for name in ("max_redirects", "retries", "backoff_base", "backoff_cap"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchConfig.{name} must not be negative")
