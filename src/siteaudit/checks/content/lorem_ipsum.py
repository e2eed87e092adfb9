"""`lorem-ipsum`: no placeholder text is left on the page."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="lorem-ipsum",
    category=Category.CONTENT,
    severity=Severity.HIGH,
    title="Page has no placeholder text",
    failure_title="Page contains placeholder text",
    docs=Docs(
        what="Looks for 'lorem ipsum' or 'dolor sit amet' in the visible text.",
        why="Placeholder text means a page was published unfinished; visitors notice, and "
        "search engines see a page with no real content.",
        fix="Replace the placeholder with the real copy, or unpublish the page until it is "
        "written.",
        references=("https://en.wikipedia.org/wiki/Lorem_ipsum",),
    ),
)
def lorem_ipsum(page: Page, ctx: CheckContext) -> Result:
    """Fails when the visible text contains lorem ipsum."""
    if page.placeholder_text is None:
        return passed()
    return failed("The page contains lorem ipsum placeholder text.", evidence=page.placeholder_text)
