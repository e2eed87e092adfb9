"""`tabindex-positive`: Tab order follows the document."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="tabindex-positive",
    category=Category.ACCESSIBILITY,
    severity=Severity.MEDIUM,
    title="Tab order follows the document",
    failure_title="Element has a positive tabindex",
    docs=Docs(
        what="Reports elements whose tabindex is greater than zero.",
        why="A positive tabindex moves the element ahead of everything else in keyboard order, so "
        "keyboard and screen-reader users jump around the page unpredictably. WCAG 2.4.3.",
        fix='Use tabindex="0" (or a naturally focusable element) and order the DOM the way it '
        "should be navigated.",
        references=("https://dequeuniversity.com/rules/axe/4.8/tabindex",),
    ),
)
def tabindex_positive(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.positive_tabindex`."""
    return element_failures(
        page.positive_tabindex, "The element {locator} has a tabindex greater than 0."
    )
