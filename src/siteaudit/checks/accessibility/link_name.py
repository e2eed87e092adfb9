"""`link-name`: Links have an accessible name."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="link-name",
    category=Category.ACCESSIBILITY,
    severity=Severity.HIGH,
    title="Links have an accessible name",
    failure_title="Link has no accessible name",
    docs=Docs(
        what="Reports <a href> elements with no text content, aria-label, aria-labelledby, title, "
        "or "
        "image with a non-empty alt inside (Lighthouse's link-name audit).",
        why="An empty link is read as its URL or as 'link': screen-reader users cannot tell where "
        "it "
        "goes, and search engines get no anchor text. WCAG 2.4.4 and 4.1.2.",
        fix="Add link text, alt text on the linked image, or an aria-label.",
        references=("https://dequeuniversity.com/rules/axe/4.8/link-name",),
    ),
)
def link_name(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.empty_links`."""
    return element_failures(
        page.empty_links, "The link {locator} has no text, aria-label, title or image alt."
    )
