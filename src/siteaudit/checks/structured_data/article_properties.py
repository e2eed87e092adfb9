"""`article-properties`: Article markup has headline, image, date and author."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.structured_data._required import missing_properties
from siteaudit.model import Category, Page, Severity

TYPES = frozenset({"Article", "NewsArticle", "BlogPosting", "TechArticle", "Report"})


@check(
    id="article-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.LOW,
    title="Article markup is complete",
    failure_title="Article markup lacks recommended properties",
    docs=Docs(
        what="For each top-level Article, NewsArticle, BlogPosting, TechArticle or Report "
        "item, requires headline, image, datePublished and author.",
        why="Google recommends these for article rich results and Top stories; the date and "
        "author also feed its understanding of freshness and authorship.",
        fix="Add the missing properties (author as a Person or Organization with a name, "
        "datePublished in ISO 8601).",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/article",
        ),
    ),
)
def article_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per article item missing headline, image, datePublished or author."""
    return missing_properties(page, TYPES, ("headline", "image", "datePublished", "author"))
