"""`ttfb-slow`: the server starts answering quickly."""

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
    id="ttfb-slow",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Server responds quickly",
    failure_title="Server is slow to respond (time to first byte)",
    docs=Docs(
        what="Compares the time to first byte the crawler measured (request sent to first "
        "response byte, including connection set-up) with `max_ms`. The default, 600 ms, is "
        "Lighthouse's server-response-time threshold; web.dev rates TTFB up to 800 ms as "
        "good and above 1,800 ms as poor. The figure is one sample from the crawler's "
        "location and is affected by the crawl's own concurrency. A URL that redirects is "
        "not judged: the response timed is its target's.",
        why="Nothing can render before the first byte arrives, so a slow server delays "
        "every metric after it (First Contentful Paint, Largest Contentful Paint) and "
        "limits how many pages search engines crawl.",
        fix="Cache rendered pages (a CDN or full-page cache), speed up slow database "
        "queries and back-end calls, and serve from a location close to your visitors.",
        references=(
            "https://web.dev/articles/ttfb",
            "https://developer.chrome.com/docs/lighthouse/performance/server-response-time",
        ),
    ),
    applies=Applies.RESPONSE,
    options={"max_ms": Option(600, "Slowest time to first byte, in milliseconds, that passes.")},
)
def ttfb_slow(page: Page, ctx: CheckContext) -> Result:
    """Fails when the time to first byte exceeds `max_ms`; N/A when not measured, and for a
    redirect (the time is its target's: another site's, or a page audited itself)."""
    if page.ttfb_ms is None or page.redirects:
        return not_applicable()
    limit = ctx.int_option("max_ms")
    if page.ttfb_ms > limit:
        return failed(
            f"The first byte arrived after {page.ttfb_ms:.0f} ms (more than {limit} ms).",
            evidence=f"TTFB {page.ttfb_ms:.0f} ms",
        )
    return passed()
