"""`internal-outlinks`: a page leads visitors on to the rest of the site."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="internal-outlinks",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Page links to other pages of the site",
    failure_title="Page has no internal links (dead end)",
    docs=Docs(
        what="Fails HTML pages without a single crawlable link to another URL on the same "
        "host (links to the page itself do not count).",
        why="A dead-end page stops crawlers and visitors alike: link value that reaches it "
        "goes nowhere, and readers have no way on but the back button. It often means the "
        "navigation is rendered by JavaScript or the links are not real <a href> elements.",
        fix="Add navigation and contextual links as <a href> elements in the HTML.",
        references=("https://developers.google.com/search/docs/crawling-indexing/links-crawlable",),
    ),
)
def internal_outlinks(page: Page, ctx: CheckContext) -> Result:
    """Fails when no link leads to another internal URL."""
    own = {page.url, page.final_url}
    if any(link.internal and link.url not in own for link in page.links):
        return passed()
    external = sum(1 for link in page.links if not link.internal)
    return failed(
        "The page has no links to other pages of the site.",
        evidence=f"{external} external link(s), 0 internal",
    )
