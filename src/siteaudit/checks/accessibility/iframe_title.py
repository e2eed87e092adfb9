"""`iframe-title`: Frames have a title."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="iframe-title",
    category=Category.ACCESSIBILITY,
    severity=Severity.MEDIUM,
    title="Frames have a title",
    failure_title="Frame has no title",
    docs=Docs(
        what="Reports <iframe> elements without a title, aria-label or aria-labelledby (hidden "
        "frames "
        "are ignored).",
        why="Screen readers announce frames by their title; without one users cannot tell a video "
        "player from an ad or a payment form. WCAG 4.1.2.",
        fix='Add a short title describing the frame\'s content, e.g. title="Store location map".',
        references=("https://dequeuniversity.com/rules/axe/4.8/frame-title",),
    ),
)
def iframe_title(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.iframes_without_title`."""
    return element_failures(page.iframes_without_title, "The iframe {locator} has no title.")
