"""`response-time-slow`: the whole response downloads quickly."""

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="response-time-slow",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="Response downloads quickly",
    failure_title="Response takes long to download",
    docs=Docs(
        what="Compares the total time the crawler took for the response (request sent to "
        "last body byte) with `max_ms`, default 2,000 ms. Screaming Frog's response-time "
        "report starts flagging at 1 s; the default here leaves room for large documents, "
        "which `ttfb-slow` and `html-size` report on their own. A URL that redirects is not "
        "judged: the response timed is its target's (a page audited itself, or another "
        "site's).",
        why="Slow responses delay everything the visitor sees and reduce how many pages "
        "search engines are willing to crawl on the site.",
        fix="Look at the time to first byte first (server work), then at the document size "
        "and compression, and at redirects before the final URL.",
        references=(
            "https://web.dev/articles/ttfb",
            "https://developers.google.com/search/docs/crawling-indexing/large-site-managing-crawl-budget",
        ),
    ),
    applies=Applies.RESPONSE,
    options={"max_ms": Option(2000, "Slowest total response time, in milliseconds, that passes.")},
)
def response_time_slow(page: Page, ctx: CheckContext) -> Result:
    """Fails when the total response time exceeds `max_ms`; N/A when not measured, and for
    a redirect (the time is its target's: another site's, or a page audited itself)."""
    if page.total_ms is None or page.redirects:
        return not_applicable()
    limit = ctx.int_option("max_ms")
    if page.total_ms > limit:
        return failed(
            f"The response took {page.total_ms:.0f} ms (more than {limit} ms).",
            evidence=f"total {page.total_ms:.0f} ms",
        )
    return passed()
