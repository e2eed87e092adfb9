"""`canonical`: the page names its canonical URL."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="canonical",
    category=Category.CRAWLABILITY,
    severity=Severity.LOW,
    title="Page declares a canonical URL",
    failure_title="Page has no canonical URL",
    docs=Docs(
        what='Looks for <link rel="canonical" href="..."> with a usable URL, or a canonical '
        'URL in the HTTP Link header (`Link: <URL>; rel="canonical"`, the way to give one '
        "for a PDF).",
        why="The same content is often reachable under several URLs (tracking parameters, "
        "trailing slashes, http and https). A canonical link tells search engines which one "
        "to index and where to consolidate the ranking signals; without it they guess.",
        fix='Add <link rel="canonical" href="https://..."> with the absolute preferred URL '
        "of the page (its own URL on the preferred version).",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def canonical(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page has no canonical link with a crawlable URL."""
    if not page.canonicals:
        return failed(
            'The page has no <link rel="canonical"> element with a usable URL, and no'
            " canonical in its Link header."
        )
    return passed()
