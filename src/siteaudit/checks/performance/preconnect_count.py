"""`preconnect-count`: preconnect hints are used sparingly."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="preconnect-count",
    category=Category.PERFORMANCE,
    severity=Severity.INFO,
    title="Preconnect hints are few",
    failure_title="Page preconnects to too many origins",
    docs=Docs(
        what='Counts the distinct origins named by <link rel="preconnect"> and compares '
        "them with `max_origins`, default 2: Lighthouse warns when more than two "
        "preconnects are found.",
        why="Each preconnect opens a connection (DNS, TCP, TLS) early, competing with the "
        "resources the page needs first; unused ones are closed after ten seconds, wasting "
        "the work.",
        fix="Keep preconnect for the one or two most important origins and use "
        "dns-prefetch for the rest.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/uses-rel-preconnect",
            "https://web.dev/articles/preconnect-and-dns-prefetch",
        ),
    ),
    options={"max_origins": Option(2, "Most preconnected origins that pass.")},
)
def preconnect_count(page: Page, ctx: CheckContext) -> Result:
    """Fails when more than `max_origins` origins are preconnected."""
    origins = list(dict.fromkeys(link.href for link in page.link_rels if "preconnect" in link.rel))
    limit = ctx.int_option("max_origins")
    if len(origins) > limit:
        return failed(
            f"The page preconnects to {len(origins)} origins (more than {limit}).",
            evidence=", ".join(origins),
        )
    return passed()
