"""One `Settings` object, loaded by entrypoints and passed down (no import-time singleton).

Sources, highest priority first: constructor arguments (CLI flags), `SITEAUDIT_*` environment
variables (nested with `__`, e.g. `SITEAUDIT_CRAWL__MAX_PAGES=50`), then `siteaudit.toml` in
the working directory (or the file named by `SITEAUDIT_CONFIG`), then defaults.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from siteaudit import __version__
from siteaudit.errors import ConfigError, os_words
from siteaudit.model import Severity

DEFAULT_USER_AGENT = f"siteaudit/{__version__} (+https://github.com/siteaudit/siteaudit)"
# RFC 9110 token characters: a header name.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*\.?"
)
# Headers the fetcher sets or depends on (framing, decoding, the user agent's own setting).
FETCHER_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "user-agent"}
)


class CrawlSettings(BaseModel):
    """Limits and manners of the crawler."""

    max_pages: int = Field(default=500, ge=1, le=10_000_000)
    max_depth: int = Field(default=10, ge=0, le=1000)
    concurrency: int = Field(default=16, ge=1, le=512)
    per_host_concurrency: int = Field(default=16, ge=1, le=512)
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=20.0, gt=0)
    total_timeout_s: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=10, ge=0, le=50)
    retries: int = Field(default=2, ge=0, le=10)
    max_links_per_page: int = Field(default=10_000, ge=1)
    # Seconds one page's extraction and checks may take; a page past it is stored with the
    # `processing-timeout` error and the scan goes on (engines/page_clock.py).
    page_time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    # Seconds a host may refuse every request (429, or 503 asking to wait), though spaced
    # up to 5 s apart, before its remaining URLs are skipped with `circuit-open`, as a dead
    # host's are: a site that rate-limits crawlers would otherwise take ~14 s a page.
    refusal_window_s: float = Field(default=120.0, gt=0, le=86_400)
    # Worker processes for extraction and page checks, started once a scan passes 100 pages;
    # None = one per core (at least two); 0 = everything on the event loop's thread.
    processes: int | None = Field(default=None, ge=0, le=64)
    respect_robots: bool = True
    use_sitemaps: bool = True
    # Seconds at least between two requests to the site (to each host with subdomains), on
    # top of the concurrency caps: a production server's rate limit. robots.txt's
    # Crawl-delay applies when longer, and on Celery also the fleet's
    # distributed.host_min_interval_s.
    delay_s: float = Field(default=0.0, ge=0, le=60)
    # External links (other hosts) are checked once the crawl ends, never crawled: HEAD,
    # GET when refused; at most this many URLs per host and per scan, two at a time per host.
    check_external: bool = True
    external_per_host: int = Field(default=100, ge=1, le=100_000)
    external_max: int = Field(default=5_000, ge=1, le=1_000_000)
    # The pages' subresources (images, scripts, stylesheets, fonts, media, iframes) are
    # checked once the crawl ends, at most this many of the site's own URLs per scan (those
    # on other hosts with the external links, when those are checked).
    check_resources: bool = True
    resources_max: int = Field(default=10_000, ge=1, le=1_000_000)
    # Seconds those checks after the crawl may take in a scan on this machine: a site can
    # link to thousands of hosts that each take their time to answer (or refuse with a long
    # Retry-After). Past it no check starts; the rest are counted and said, and the scan
    # ends with its audit. On Celery workers: half of distributed.analysis_time_limit_s.
    checks_time_limit_s: float = Field(default=900.0, gt=0, le=86_400)
    # Links marked rel=nofollow (or on a page whose meta robots says nofollow) are not
    # followed, as search engines do, unless this is set.
    follow_nofollow: bool = False
    # Crawl the start host's subdomains too (www.example.com -> shop.www.example.com; give
    # the parent host to cover its siblings); each host obeys its own robots.txt, and at
    # most 100 hosts are crawled.
    subdomains: bool = False
    # Query parameters removed from the scanned site's URLs before they are crawled or
    # stored, so that one page is audited once: names or shell patterns, any case
    # ("utm_*", "sessionid", "fbclid"; "*" drops every query string).
    strip_params: list[str] = Field(default_factory=list)
    # Host names pinned to IP addresses, as in a hosts file: audit a staging server under
    # the site's real name ({"www.example.com" = "10.0.0.5"}). Addresses are still vetted.
    hosts: dict[str, str] = Field(default_factory=dict)

    @field_validator("hosts")
    @classmethod
    def pinned_addresses(cls, hosts: dict[str, str]) -> dict[str, str]:
        """`hosts`, when every value is an IP address and every key a host name."""
        for name, address in hosts.items():
            if not _HOST_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a host name")
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(f"{address!r} (for {name}) is not an IP address") from None
        return hosts

    # Sent with every request besides the user agent (a staging site's basic-auth token, a
    # header a firewall lets through); the headers the fetcher owns cannot be replaced.
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers")
    @classmethod
    def sendable_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        """`headers`, when each can be sent and none replaces one the fetcher owns."""
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in FETCHER_HEADERS:
                raise ValueError(f"the {name} header is set by siteaudit itself")
            if any(c in value for c in "\r\n\x00"):
                raise ValueError(f"the value of header {name} has a line break or NUL")
        return headers

    allow_private: bool = True  # the CLI's user is the operator: auditing a dev server is normal
    # TLS: certificates are verified against the system's CAs, plus those of `ca_bundle` (a
    # PEM file: a company's own CA, a staging server's); `verify_tls = false` audits a site
    # whose certificate does not verify (self-signed) as if it did, and every report says so.
    verify_tls: bool = True
    ca_bundle: Path | None = None

    @field_validator("ca_bundle")
    @classmethod
    def readable_bundle(cls, path: Path | None) -> Path | None:
        """`path`, when it holds certificates TLS can trust."""
        if path is not None:
            try:
                ssl.create_default_context().load_verify_locations(cafile=str(path))
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"cannot read CA certificates from {path}: {exc}") from None
        return path


class ChecksSettings(BaseModel):
    """Per-project check configuration (`[checks]` in siteaudit.toml)."""

    disabled: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)


class DistributedSettings(BaseModel):
    """The Celery engine: batches, attempts, time limits and recovery (docs/architecture.md)."""

    # Pages per fetch or extraction task: fewer messages, at most this many pages redone.
    batch_size: int = Field(default=25, ge=1, le=1000)
    # Attempts of one step of one page before it fails and goes to the dead letters.
    max_attempts: int = Field(default=3, ge=1, le=20)
    # A task past the soft limit stops its batch (the rest is re-sent page by page); past
    # the hard limit its process is killed and the task redelivered.
    soft_time_limit_s: int = Field(default=120, ge=1)
    hard_time_limit_s: int = Field(default=180, ge=2)
    # Site-level analysis and scoring run once per scan over every page: a longer limit.
    analysis_time_limit_s: int = Field(default=3000, ge=1)
    # Redis redelivers an unacknowledged task after this long: it must exceed the hard limit
    # plus the longest retry delay, or a running task would be handed to a second worker.
    visibility_timeout_s: int = Field(default=3600, ge=10)
    # Transient errors (database or broker connection) retry with backoff 1 s, 2 s, 4 s ...
    max_retries: int = Field(default=5, ge=0, le=20)
    retry_backoff_max_s: int = Field(default=60, ge=1)
    # A worker child that grew past this is replaced after its task (KiB, Celery's unit).
    max_memory_per_child_kb: int = Field(default=512_000, ge=10_000)
    # A claimed page is another worker's for this long; then the reconciler may re-send it.
    lease_s: int = Field(default=300, ge=1)
    # A scan with work left and no progress for this long has its work re-sent.
    stall_s: int = Field(default=60, ge=1)
    # Fleet-wide pause between two requests to one host (0: only the per-host concurrency
    # limit applies, shared by every worker through Redis).
    host_min_interval_s: float = Field(default=0.0, ge=0, le=60)
    # How often beat runs the reconciler (relay, stalled scans, schedules).
    reconcile_every_s: float = Field(default=10.0, gt=0)


class Settings(BaseSettings):
    """Everything configurable about siteaudit."""

    model_config = SettingsConfigDict(
        env_prefix="SITEAUDIT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    database_url: str = "sqlite:///.siteaudit/siteaudit.db"
    artifact_dir: Path = Path(".siteaudit/artifacts")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    checks: ChecksSettings = Field(default_factory=ChecksSettings)
    # The distributed engine's broker (`redis://...` or `amqp://...`) and the Redis for
    # progress events; None = the broker when it is Redis, else events stay in the database.
    broker_url: str = "redis://127.0.0.1:6379/0"
    redis_url: str | None = None
    distributed: DistributedSettings = Field(default_factory=DistributedSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add siteaudit.toml below the environment."""
        toml_file = config_file()
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


def config_file() -> Path:
    """The TOML file settings are read from: `SITEAUDIT_CONFIG`, else ./siteaudit.toml."""
    return Path(os.environ.get("SITEAUDIT_CONFIG", "siteaudit.toml"))


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning validation problems into a ConfigError a person can read.

    A file named by `SITEAUDIT_CONFIG` must exist (`/dev/null` reads none): a typo there
    would otherwise run with the defaults without a word. ./siteaudit.toml is optional.
    """
    named = os.environ.get("SITEAUDIT_CONFIG")
    if named is not None and not Path(named).exists():
        raise ConfigError(
            f"the configuration file {named} named by SITEAUDIT_CONFIG does not exist"
            f" (set SITEAUDIT_CONFIG={os.devnull} to read none)"
        )
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:  # the file itself
        words = os_words(exc) if isinstance(exc, OSError) else str(exc)
        raise ConfigError(f"cannot read the configuration file {config_file()}: {words}") from exc
