"""`button-name`: Buttons have an accessible name."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="button-name",
    category=Category.ACCESSIBILITY,
    severity=Severity.HIGH,
    title="Buttons have an accessible name",
    failure_title="Button has no accessible name",
    docs=Docs(
        what="Reports <button> elements with no text content, aria-label, aria-labelledby, title, "
        "or "
        "image with a non-empty alt inside.",
        why="Icon-only buttons are announced as 'button' with nothing more; users of screen "
        "readers "
        "cannot tell what they do. WCAG 4.1.2.",
        fix='Give the button visible text, or an aria-label describing its action ("Close", '
        '"Search"), or alt text on its image.',
        references=("https://dequeuniversity.com/rules/axe/4.8/button-name",),
    ),
)
def button_name(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.empty_buttons`."""
    return element_failures(
        page.empty_buttons, "The button {locator} has no text, aria-label or title."
    )
