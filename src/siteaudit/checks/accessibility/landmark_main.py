"""`landmark-main`: the page marks its main content as a landmark."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="landmark-main",
    category=Category.ACCESSIBILITY,
    severity=Severity.LOW,
    title="Page has a main landmark",
    failure_title="Page has no main landmark",
    docs=Docs(
        what="Fails when a working page has neither a <main> element nor an element with "
        "role=main (axe-core's landmark-one-main best practice).",
        why="Screen-reader users jump straight to the main landmark to skip navigation; "
        "without it they have to read or tab through the whole header on every page.",
        fix="Wrap the page's primary content in a single <main> element.",
        references=("https://dequeuniversity.com/rules/axe/4.8/landmark-one-main",),
    ),
)
def landmark_main(page: Page, ctx: CheckContext) -> Result:
    """Fails when no main landmark is present."""
    if page.status != 200 or page.word_count == 0:
        return not_applicable()
    if "main" in page.landmarks:
        return passed()
    found = ", ".join(sorted(page.landmarks)) or "none"
    return failed("The page has no <main> or role=main landmark.", evidence=f"landmarks: {found}")
