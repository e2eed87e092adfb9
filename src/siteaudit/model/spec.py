"""What a scan is asked to do, and the vocabularies (status, severity, category) it uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ScanStatus(StrEnum):
    """Lifecycle of a scan; the order of the non-terminal members is the order of phases."""

    PENDING = "pending"
    DISCOVERING = "discovering"
    SELECTING = "selecting"
    FETCHING = "fetching"
    ANALYZING = "analyzing"
    AGGREGATING = "aggregating"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True once the scan can no longer change."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {
        ScanStatus.COMPLETED,
        ScanStatus.COMPLETED_WITH_ERRORS,
        ScanStatus.FAILED,
        ScanStatus.CANCELLED,
    }
)


class Severity(StrEnum):
    """How much a failing check hurts; ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info, so `a.rank <= b.rank` means a is at least as bad."""
        return list(Severity).index(self)


class Category(StrEnum):
    """The lenses a check belongs to (DESIGN.md §3)."""

    CRAWLABILITY = "crawlability"
    HTTP = "http"
    ON_PAGE = "on-page"
    LINKS = "links"
    CONTENT = "content"
    IMAGES = "images"
    STRUCTURED_DATA = "structured-data"
    INTERNATIONAL = "international"
    SITEMAPS = "sitemaps"
    PERFORMANCE = "performance"
    SECURITY = "security"
    ACCESSIBILITY = "accessibility"
    AI_READINESS = "ai-readiness"


@dataclass(frozen=True, slots=True)
class ScanSpec:
    """The user's request: where to start and the limits that bound the crawl."""

    start_url: str
    max_pages: int = 500
    max_depth: int = 10
    concurrency: int = 16
    per_host_concurrency: int = 16
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    user_agent: str = "siteaudit/0.1 (+https://github.com/siteaudit/siteaudit)"
    respect_robots: bool = True
    use_sitemaps: bool = True
    follow_nofollow: bool = False
    check_external: bool = False
    # Check the subresources pages load (images, scripts, stylesheets...) after the crawl.
    check_resources: bool = False
    # Crawl the start host's subdomains too (each obeying its own robots.txt).
    subdomains: bool = False
    # Query parameters removed from the site's URLs (`pipeline.urls.strip_params`).
    strip_params: tuple[str, ...] = ()
    # False: the site's TLS certificate is not verified (a staging server's self-signed one).
    verify_tls: bool = True
    # Seconds at least between two requests to one host of the site (0: no delay).
    delay_s: float = 0.0
    # The start URL as given, when it redirected to another address of the same site (the
    # same host on another scheme or port, or its parent or a subdomain) and the scan
    # started where it led (`start_url`; `engines.preflight.follow_start`).
    requested_url: str | None = None
    options: dict[str, object] = field(default_factory=dict)
