"""`redirect-temporary`: moved URLs use permanent redirects."""

from siteaudit.checks.base import Applies, CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

TEMPORARY = frozenset({302, 303, 307})


@check(
    id="redirect-temporary",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="Redirects are permanent",
    failure_title="URL uses a temporary redirect",
    docs=Docs(
        what="Reports each hop of a URL's redirect chain answered with 302, 303 or 307 "
        "(temporary) rather than 301 or 308 (permanent).",
        why="A temporary redirect tells search engines the old URL will come back, so they "
        "may keep it indexed and be slower to move ranking signals to the target; browsers "
        "and caches do not remember it either. Correct for short-lived moves (maintenance, "
        "A/B tests, login bounces), wrong for content that has moved for good.",
        fix="Answer moved URLs with 301 (or 308 to keep the method) pointing at the final URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/301-redirects",
            "https://developer.mozilla.org/docs/Web/HTTP/Redirections#temporary_redirections",
        ),
    ),
    applies=Applies.RESPONSE,
)
def redirect_temporary(page: Page, ctx: CheckContext) -> Result:
    """One failure per temporary hop of the redirect chain."""
    temporary = [hop for hop in page.redirects if hop.status in TEMPORARY]
    if not temporary:
        return passed()
    return [
        failed(
            f"{hop.url} redirects with a temporary {hop.status} to {hop.location}.",
            evidence=f"{hop.url} -> {hop.status} Location: {hop.location}",
            locator=hop.url,
        )
        for hop in temporary
    ]
