"""`title-empty`: the page's <title> has text."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="title-empty",
    category=Category.ON_PAGE,
    severity=Severity.HIGH,
    title="Title has text",
    failure_title="Title is empty",
    docs=Docs(
        what="Looks for a <title> element that exists but holds no text (or only whitespace).",
        why="An empty title is as bad as a missing one: search engines invent a headline for "
        "the result, and the browser tab and bookmarks show only the URL.",
        fix="Write a unique, descriptive title of roughly 30 to 60 characters.",
        references=("https://developers.google.com/search/docs/appearance/title-link",),
    ),
)
def title_empty(page: Page, ctx: CheckContext) -> Result:
    """Fails when <title> is present but empty; a missing title is the `title` check's."""
    if page.title is None:
        return not_applicable()
    if not page.title:
        return failed("The <title> element is empty.", evidence="<title></title>")
    return passed()
