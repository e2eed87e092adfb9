"""Answers with which a host turns an automated client away instead of answering for the
URL: they say nothing of whether a visitor's browser reaches the page.

Shared by the crawl (a refusal slows the host down and is tried again), the external link
checks (a refused link is "unverified", not broken) and the site checks (an internal URL
whose redirects end on such an answer from another site).
"""

from __future__ import annotations

from collections.abc import Callable

TOO_MANY_REQUESTS = 429  # a rate limit; a refusal once it outlasted every retry
REQUEST_DENIED = 999  # LinkedIn's, to every client that is not a signed-in browser
#: Statuses that refuse the client whatever the URL.
REFUSING_STATUSES = frozenset({TOO_MANY_REQUESTS, REQUEST_DENIED})
# Headers with which bot protection marks the challenge it answered instead of the page (a
# browser passes it): Cloudflare's `cf-mitigated: challenge`, AWS WAF's `x-amzn-waf-action`.
CHALLENGE_HEADERS = {"cf-mitigated": ("challenge",), "x-amzn-waf-action": ("challenge", "captcha")}


def is_challenge(status: int | None, header: Callable[[str], str | None]) -> bool:
    """True for an error answer (`status` 400 or more) that bot protection marked as its
    challenge (`CHALLENGE_HEADERS`, read with `header`). A challenge refuses the client,
    not the URL; often because it asked too fast (a rate rule's managed challenge)."""
    if status is None or status < 400:
        return False
    return any(
        (header(name) or "").strip().lower() in values for name, values in CHALLENGE_HEADERS.items()
    )


def is_refusal(status: int | None, header: Callable[[str], str | None]) -> bool:
    """True for an answer that refuses the client (`REFUSING_STATUSES`, or a challenge)."""
    return status in REFUSING_STATUSES or is_challenge(status, header)
