"""`meta-description`: the page has a meta description."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="meta-description",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Page has a meta description",
    failure_title="Page has no meta description",
    docs=Docs(
        what='Looks for a <meta name="description"> element. An element with empty content '
        "is the `meta-description-empty` check's.",
        why="Search engines often show the meta description as the snippet under the title. "
        "Without one they quote whatever text they find, which rarely sells the page.",
        fix='Add <meta name="description" content="..."> to <head>: one or two '
        "sentences, unique to the page, that say what a visitor will find.",
        references=(
            "https://developers.google.com/search/docs/appearance/snippet",
            "https://developer.mozilla.org/docs/Web/HTML/Element/meta/name",
        ),
    ),
)
def meta_description(page: Page, ctx: CheckContext) -> Result:
    """Fails when the description element is absent."""
    if page.meta_description is None:
        return failed("The page has no <meta name=description> element.")
    return passed()
