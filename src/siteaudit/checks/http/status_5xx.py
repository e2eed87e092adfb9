"""`status-5xx`: the URL does not answer with a server error."""

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="status-5xx",
    category=Category.HTTP,
    severity=Severity.CRITICAL,
    title="URL does not answer with a 5xx error",
    failure_title="URL answers with a 5xx server error",
    docs=Docs(
        what="Looks at the final HTTP status of every crawled URL for 500-599. A URL whose "
        "redirects end on another site that turned the crawler away (HTTP 999, 429 to "
        "every try, a bot-protection challenge) is not judged: `external-link-unverified` "
        "lists the links to it.",
        why="A 5xx means the server failed: visitors see an error page, and search engines "
        "slow their crawling of the whole site and drop URLs that keep failing.",
        fix="Check the server and application logs for the URL, fix the failure, and make "
        "sure temporary outages answer 503 with a Retry-After header.",
        references=("https://developer.mozilla.org/docs/Web/HTTP/Status#server_error_responses",),
    ),
    applies=Applies.RESPONSE,
)
def status_5xx(page: Page, ctx: CheckContext) -> Result:
    """Fails on a final status of 500-599; N/A when no response arrived, and when the
    redirects ended on another site's refusal (`Page.refused_elsewhere`)."""
    if page.status is None or page.refused_elsewhere:
        return not_applicable()
    if 500 <= page.status < 600:
        return failed(f"The URL answered with HTTP {page.status}.", evidence=f"HTTP {page.status}")
    return passed()
