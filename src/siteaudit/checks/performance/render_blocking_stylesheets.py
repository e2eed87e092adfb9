"""`render-blocking-stylesheets`: few stylesheets block the first render."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

NON_BLOCKING_MEDIA = frozenset({"print", "speech"})


@check(
    id="render-blocking-stylesheets",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="Few stylesheets block rendering",
    failure_title="Page has many render-blocking stylesheets",
    docs=Docs(
        what="Counts the <link rel=stylesheet> elements in <head> that apply to screens "
        "(media not print or speech) and compares them with `max_stylesheets`, default 3. "
        "Every such stylesheet blocks rendering, and Lighthouse lists each one with its "
        "cost in time; a count is the HTML-only proxy for that.",
        why="The browser renders nothing until every blocking stylesheet has arrived; "
        "each extra file adds a request on the critical path, often on another host.",
        fix="Combine stylesheets, inline the critical CSS and load the rest "
        'asynchronously, and mark print styles with media="print".',
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/render-blocking-resources",
            "https://web.dev/articles/defer-non-critical-css",
        ),
    ),
    options={"max_stylesheets": Option(3, "Most blocking stylesheets in <head> that pass.")},
)
def render_blocking_stylesheets(page: Page, ctx: CheckContext) -> Result:
    """Fails when more than `max_stylesheets` screen stylesheets sit in the head."""
    blocking = [
        s for s in page.stylesheets if s.in_head and s.media.lower() not in NON_BLOCKING_MEDIA
    ]
    limit = ctx.int_option("max_stylesheets")
    if len(blocking) > limit:
        return failed(
            f"{len(blocking)} stylesheets block rendering (more than {limit}).",
            evidence=", ".join(s.href for s in blocking),
        )
    return passed()
