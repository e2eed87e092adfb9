"""`h1`: the page has a main heading."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="h1",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Page has an <h1> heading",
    failure_title="Page has no <h1> heading",
    docs=Docs(
        what="Looks for an <h1> element with text.",
        why="The <h1> tells readers, screen-reader users and search engines what the page "
        "is about; it is the first thing assistive technology offers when a user jumps "
        "between headings.",
        fix="Give the page one <h1> that states its subject, usually close to the title.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTML/Element/Heading_Elements",
            "https://www.w3.org/WAI/tutorials/page-structure/headings/",
        ),
    ),
)
def h1(page: Page, ctx: CheckContext) -> Result:
    """Fails when there is no <h1>, or when every <h1> is empty."""
    if not page.h1s:
        return failed("The page has no <h1> element.")
    if not any(text.strip() for text in page.h1s):
        return failed("The page's <h1> has no text.", evidence="<h1></h1>")
    return passed()
