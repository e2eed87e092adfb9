"""`status-4xx`: the URL does not answer with a client error."""

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
    id="status-4xx",
    category=Category.HTTP,
    severity=Severity.HIGH,
    title="URL does not answer with a 4xx error",
    failure_title="URL answers with a 4xx client error",
    docs=Docs(
        what="Looks at the final HTTP status of every crawled URL for 400-499. A URL whose "
        "redirects end on another site that turned the crawler away (HTTP 999, 429 to "
        "every try, a bot-protection challenge) is not judged: `external-link-unverified` "
        "lists the links to it.",
        why="A 4xx (most often 404 Not Found or 410 Gone) means visitors following a link "
        "hit a dead end and search engines drop the URL and the value of links to it. A "
        "401/403 on a public page usually means a permissions or firewall mistake.",
        fix="Restore the page, redirect its URL (301) to the closest live page, or update "
        "the links that lead to it (see `broken-link` for the linking pages).",
        references=("https://developer.mozilla.org/docs/Web/HTTP/Status#client_error_responses",),
    ),
    applies=Applies.RESPONSE,
)
def status_4xx(page: Page, ctx: CheckContext) -> Result:
    """Fails on a final status of 400-499; N/A when no response arrived, and when the
    redirects ended on another site's refusal (`Page.refused_elsewhere`)."""
    if page.status is None or page.refused_elsewhere:
        return not_applicable()
    if 400 <= page.status < 500:
        return failed(f"The URL answered with HTTP {page.status}.", evidence=f"HTTP {page.status}")
    return passed()
