"""`canonical-multiple`: the page names one canonical URL."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="canonical-multiple",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Page declares one canonical URL",
    failure_title="Page declares conflicting canonical URLs",
    docs=Docs(
        what='Collects the URLs of every <link rel="canonical"> and of a canonical in the '
        "HTTP Link header, and fails when they name more than one distinct URL. Repeating "
        "the same URL passes.",
        why="When a page gives several canonical URLs, Google ignores all of them and "
        "chooses on its own, so the signal you meant to send is lost. It usually means a "
        "CMS and an SEO plugin both add one.",
        fix="Keep one canonical declaration (in the HTML head or the Link header) pointing "
        "at the preferred URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method",
        ),
    ),
)
def canonical_multiple(page: Page, ctx: CheckContext) -> Result:
    """Fails when the HTML and Link header name more than one distinct canonical URL."""
    distinct = dict.fromkeys(page.canonicals)  # normalised by extraction, both sources
    if len(distinct) > 1:
        return failed(
            f"The page declares {len(distinct)} different canonical URLs.",
            evidence=", ".join(distinct),
            locator=next(iter(distinct)),
        )
    return passed()
