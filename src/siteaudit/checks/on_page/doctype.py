"""`doctype`: the page starts with the HTML doctype and renders in standards mode."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="doctype",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Page has the HTML doctype",
    failure_title="Page has no HTML doctype",
    docs=Docs(
        what="Fails when the document has no doctype, or one whose name is not `html` "
        "(Lighthouse's doctype audit). Legacy public identifiers that trigger limited-quirks "
        "mode are not detected yet.",
        why="Without `<!DOCTYPE html>` browsers render in quirks mode, emulating 1990s bugs "
        "in the box model and tables, so the layout differs between browsers and from what "
        "the CSS says.",
        fix="Put `<!DOCTYPE html>` on the first line of every page.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/best-practices/doctype",
            "https://developer.mozilla.org/docs/Web/HTML/Quirks_Mode_and_Standards_Mode",
        ),
    ),
)
def doctype(page: Page, ctx: CheckContext) -> Result:
    """Fails when the doctype is missing or not named html."""
    if page.doctype is None:
        return failed("The page has no doctype, so browsers render it in quirks mode.")
    if page.doctype.strip().lower() != "html":
        return failed("The doctype is not the HTML doctype.", evidence=f"<!DOCTYPE {page.doctype}>")
    return passed()
