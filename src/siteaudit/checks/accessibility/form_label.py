"""`form-label`: Form controls have labels."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="form-label",
    category=Category.ACCESSIBILITY,
    severity=Severity.HIGH,
    title="Form controls have labels",
    failure_title="Form control has no label",
    docs=Docs(
        what="Reports input (except hidden, submit, button, image and reset), select and textarea "
        "elements with no <label for>, no wrapping <label>, and no aria-label, aria-labelledby, "
        "title or placeholder (axe-core accepts a placeholder, so this check does too).",
        why="A screen reader announces an unlabelled field as just 'edit text': the user cannot "
        "know "
        "what to type. Voice-control users cannot name it either. WCAG 2 success criteria 1.3.1 "
        "and 4.1.2.",
        fix='Add a <label for="id"> with visible text, or wrap the control in its <label>; use '
        "aria-label only when no visible label fits.",
        references=("https://dequeuniversity.com/rules/axe/4.8/label",),
    ),
)
def form_label(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.unlabelled_controls`."""
    return element_failures(
        page.unlabelled_controls, "The form control {locator} has no accessible name."
    )
