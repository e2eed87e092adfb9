"""`h1-multiple`: the page has a single main heading."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

MAX_SHOWN = 5


@check(
    id="h1-multiple",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Page has a single <h1>",
    failure_title="Page has more than one <h1>",
    docs=Docs(
        what="Counts the <h1> elements of the page.",
        why="HTML allows several <h1>, but one main heading gives the page a clear subject "
        "and a clean outline for screen readers; several usually mean a template uses <h1> "
        "for styling (logos, widget titles).",
        fix="Keep one <h1> for the page's subject and turn the others into <h2>-<h6> (or "
        "style them with CSS).",
        references=("https://developer.mozilla.org/docs/Web/HTML/Element/Heading_Elements",),
    ),
)
def h1_multiple(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page has two or more <h1> elements."""
    texts = page.h1s
    if len(texts) > 1:
        shown = " | ".join(repr(text) for text in texts[:MAX_SHOWN])
        return failed(f"The page has {len(texts)} <h1> elements.", evidence=shown)
    return passed()
