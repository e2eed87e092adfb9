"""`twitter-card`: the page declares a Twitter/X card type."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity

CARD_TYPES = frozenset({"summary", "summary_large_image", "app", "player"})


@check(
    id="twitter-card",
    category=Category.STRUCTURED_DATA,
    severity=Severity.INFO,
    title="Twitter card is declared",
    failure_title="Twitter card is missing or invalid",
    docs=Docs(
        what='Requires <meta name="twitter:card"> with one of summary, '
        "summary_large_image, app or player. X falls back to Open Graph for the title, "
        "description and image, but not for the card type.",
        why="Without twitter:card, links shared on X show as plain links rather than cards.",
        fix='Add <meta name="twitter:card" content="summary_large_image"> (with Open Graph '
        "tags for the rest).",
        references=("https://developer.x.com/en/docs/x-for-websites/cards/overview/markup",),
    ),
)
def twitter_card(page: Page, ctx: CheckContext) -> Result:
    """Fails when twitter:card is absent or not a known card type."""
    if page.status != 200:
        return not_applicable()
    card = page.meta.get("twitter:card")
    if card is None:
        return failed("The page has no twitter:card meta tag.")
    if card.strip().lower() not in CARD_TYPES:
        return failed(f"twitter:card {card!r} is not a known card type.", evidence=card)
    return passed()
