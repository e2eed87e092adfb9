"""robots.txt: fetched and interpreted as RFC 9309 says, parsed by Protego.

| answer                              | meaning                                         |
|-------------------------------------|-------------------------------------------------|
| 2xx                                 | parse the first 500 KiB (RFC 9309 §2.5)         |
| 4xx (not 429), too many redirects   | "unavailable": everything is allowed (§2.3.1.3) |
| 5xx, 429, network failure, blocked  | "unreachable": everything is disallowed (§2.3.1.4) |

429 counts as unreachable, as Google does: the server says "slow down", not "no rules".
Why a verdict was reached is kept in `Robots.reason` so a report can say it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.ports import BodyFetcher
from siteaudit.model.page import FetchedPage

ROBOTS_MAX_BYTES = 500 * 1024
MAX_CRAWL_DELAY = 10.0
_UNAVAILABLE_ERRORS = frozenset(
    {ErrorCode.TOO_MANY_REDIRECTS, ErrorCode.REDIRECT_LOOP, ErrorCode.REDIRECT_INVALID}
)


class RobotsMode(StrEnum):
    """How a robots.txt answer is applied."""

    PARSED = "parsed"
    ALLOW_ALL = "allow-all"
    DISALLOW_ALL = "disallow-all"


@dataclass(frozen=True, slots=True)
class Robots:
    """The rules of one origin's robots.txt and how they were obtained."""

    url: str
    mode: RobotsMode
    reason: str
    status: int | None = None
    sitemaps: tuple[str, ...] = ()
    truncated: bool = False
    text: str | None = field(default=None, repr=False)  # the body parsed, as read (capped)
    rules: Protego | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_text(
        cls, url: str, text: str, *, status: int | None = 200, truncated: bool = False
    ) -> Robots:
        """Parse robots.txt `text` served at `url`."""
        rules = Protego.parse(text)
        reason = f"robots.txt answered {status}"
        if truncated:
            reason += f"; only the first {ROBOTS_MAX_BYTES} bytes were parsed"
        return cls(
            url=url,
            mode=RobotsMode.PARSED,
            reason=reason,
            status=status,
            sitemaps=tuple(rules.sitemaps),
            truncated=truncated,
            text=text,
            rules=rules,
        )

    @classmethod
    def allow_all(cls, url: str, reason: str, status: int | None = None) -> Robots:
        """No rules apply (robots.txt is unavailable)."""
        return cls(url=url, mode=RobotsMode.ALLOW_ALL, reason=reason, status=status)

    @classmethod
    def disallow_all(cls, url: str, reason: str, status: int | None = None) -> Robots:
        """Nothing may be crawled (robots.txt is unreachable)."""
        return cls(url=url, mode=RobotsMode.DISALLOW_ALL, reason=reason, status=status)

    def allowed(self, url: str, user_agent: str) -> bool:
        """True when `user_agent` may fetch `url`; robots.txt itself is always allowed."""
        if self.mode is RobotsMode.ALLOW_ALL or url == self.url:
            return True
        if self.rules is None:
            return False
        return bool(self.rules.can_fetch(url, user_agent))

    def to_json(self) -> dict[str, object]:
        """The verdict as a JSON document, for workers that did not fetch robots.txt."""
        return {
            "url": self.url,
            "mode": self.mode.value,
            "reason": self.reason,
            "status": self.status,
            "truncated": self.truncated,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Robots:
        """The verdict `to_json` stored (rules re-parsed from the stored text)."""
        url, status = str(document["url"]), document.get("status")
        mode = RobotsMode(document["mode"])
        if mode is RobotsMode.PARSED:
            text = str(document.get("text") or "")
            return cls.from_text(url, text, status=status, truncated=bool(document["truncated"]))
        return cls(url=url, mode=mode, reason=str(document["reason"]), status=status)

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay for `user_agent` in seconds, capped so a site cannot stall a scan."""
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(user_agent)
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY)


def robots_url(origin: str) -> str:
    """The robots.txt URL of the origin of `origin` (any URL of the site works)."""
    parts = urlsplit(origin)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


async def fetch_robots(fetcher: BodyFetcher, origin: str) -> Robots:
    """Fetch and interpret the robots.txt of `origin`; never raises for network trouble."""
    url = robots_url(origin)
    page = await fetcher.fetch(url, max_bytes=ROBOTS_MAX_BYTES, accept_any_type=True)
    return interpret(url, page)


def interpret(url: str, page: FetchedPage) -> Robots:
    """Turn the fetch of a robots.txt into rules, following RFC 9309's status handling."""
    status = page.status
    if page.error_code in _UNAVAILABLE_ERRORS:
        return Robots.allow_all(url, f"robots.txt unavailable: {page.error_message}", status)
    too_large = page.error_code == ErrorCode.TOO_LARGE
    if page.error_code is not None and not too_large:
        reason = f"robots.txt unreachable ({page.error_code}: {page.error_message})"
        return Robots.disallow_all(url, reason, status)
    assert status is not None  # a page without error always has a status
    if 200 <= status < 300:
        return Robots.from_text(
            url, _text(page.body, too_large), status=status, truncated=too_large
        )
    if status == 429 or status >= 500:
        return Robots.disallow_all(url, f"robots.txt answered {status}: server error", status)
    return Robots.allow_all(url, f"robots.txt answered {status}: no rules apply", status)


def _text(body: bytes, truncated: bool) -> str:
    if truncated:
        body = body[: body.rfind(b"\n") + 1]  # a half-cut last rule could mean anything
    return body.decode("utf-8", errors="replace").removeprefix("\ufeff")
