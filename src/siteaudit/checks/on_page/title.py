"""`title`: the page has a <title>."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="title",
    category=Category.ON_PAGE,
    severity=Severity.HIGH,
    title="Page has a title",
    failure_title="Page has no <title>",
    docs=Docs(
        what="Looks for a <title> element in the document head.",
        why="Search engines show the title as the headline of a result; browsers show it on "
        "the tab. A page without one gets a title invented for it, often a poor one.",
        fix="Add a unique, descriptive <title> inside <head>.",
        references=("https://developer.mozilla.org/docs/Web/HTML/Element/title",),
    ),
)
def title(page: Page, ctx: CheckContext) -> Result:
    """Fails when the document has no <title> element at all."""
    if page.title is None:
        return failed("The page has no <title> element.")
    return passed()
