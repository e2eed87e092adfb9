"""`product-properties`: Product markup has a name and an offer, review or rating."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.structured_data._required import missing_properties
from siteaudit.model import Category, Page, Severity


@check(
    id="product-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="Product markup is complete",
    failure_title="Product markup lacks required properties",
    docs=Docs(
        what="For each top-level Product item, requires name and at least one of offers, "
        "review or aggregateRating, as Google's product snippet requires.",
        why="Without them the product is not eligible for product rich results (price, "
        "availability, stars) and Search Console reports the item as invalid.",
        fix="Add name and an Offer (price, priceCurrency, availability), or a review or "
        "aggregateRating.",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/product-snippet",
        ),
    ),
)
def product_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per Product item missing name or offers/review/aggregateRating."""
    return missing_properties(page, {"Product"}, ("name",), ("offers", "review", "aggregateRating"))
