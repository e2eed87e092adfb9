"""`title-multiple`: the page has one <title>."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="title-multiple",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Page has one title element",
    failure_title="Page has several title elements",
    docs=Docs(
        what="Counts the <title> elements of the document (titles inside inline SVG do not count).",
        why="HTML allows one title per document. Browsers show the first, but search "
        "engines may pick another, and a second title usually means two templates or "
        "plugins both write the head.",
        fix="Keep one <title> in <head>; remove the duplicate from the template or plugin "
        "that adds it.",
        references=(
            "https://html.spec.whatwg.org/multipage/semantics.html#the-title-element",
            "https://developers.google.com/search/docs/appearance/title-link",
        ),
    ),
)
def title_multiple(page: Page, ctx: CheckContext) -> Result:
    """Fails when the document has more than one <title>."""
    if page.title_count > 1:
        return failed(
            f"The page has {page.title_count} <title> elements.",
            evidence=f"first: {page.title or ''}",
        )
    return passed()
