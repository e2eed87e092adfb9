"""`h1-title-identical`: the h1 and the title are not word-for-word the same."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="h1-title-identical",
    category=Category.ON_PAGE,
    severity=Severity.INFO,
    title="H1 and title complement each other",
    failure_title="H1 is identical to the title",
    docs=Docs(
        what="Compares every <h1> with the <title>, ignoring case and runs of whitespace.",
        why="The title and the h1 are two chances to describe the page: the title competes "
        "for the click in search results, the h1 greets the reader. Using the same text "
        "for both wastes one of them (Semrush reports it as a notice). It is a missed "
        "opportunity, not an error.",
        fix="Keep the h1 as the page's headline and write the title for search results: "
        "add a qualifier, the brand, or the phrase people search for.",
        references=(
            "https://developers.google.com/search/docs/appearance/title-link",
            "https://developers.google.com/search/docs/fundamentals/seo-starter-guide",
        ),
    ),
)
def h1_title_identical(page: Page, ctx: CheckContext) -> Result:
    """Fails when an h1 has the same text as the title."""
    title = " ".join((page.title or "").split()).casefold()
    if not title or not page.h1s:
        return not_applicable()
    for text in page.h1s:
        if " ".join(text.split()).casefold() == title:
            return failed("The <h1> repeats the title word for word.", evidence=text)
    return passed()
