"""`structured-data-missing`: the page describes itself with structured data."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="structured-data-missing",
    category=Category.STRUCTURED_DATA,
    severity=Severity.INFO,
    title="Page has structured data",
    failure_title="Page has no structured data",
    docs=Docs(
        what="Fails when a working page carries no JSON-LD, microdata or RDFa item at all "
        "(Open Graph tags do not count: they describe a share card, not the page's "
        "entities).",
        why="Structured data makes a page eligible for rich results (products, articles, "
        "FAQs, breadcrumbs) and helps search engines and AI assistants understand what it "
        "is about. Many pages legitimately need none, hence info severity.",
        fix="Add JSON-LD for the main entity of the page (Organization on the home page, "
        "Article, Product, BreadcrumbList...).",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/search-gallery",
        ),
    ),
)
def structured_data_missing(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page has no structured-data item."""
    if page.status != 200:
        return not_applicable()
    if page.structured_data or page.structured_data_errors:
        return passed()
    return failed("The page has no JSON-LD, microdata or RDFa structured data.")
