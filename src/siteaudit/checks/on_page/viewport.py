"""`viewport`: the page is set up for mobile screens."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="viewport",
    category=Category.ON_PAGE,
    severity=Severity.HIGH,
    title="Page has a viewport meta tag",
    failure_title="Page has no viewport meta tag",
    docs=Docs(
        what='Looks for <meta name="viewport"> with content that sets width=device-width.',
        why="Without it, phones render the page at desktop width and shrink it, so text is "
        "tiny and the page is not mobile-friendly; search engines index the mobile version "
        "of a site first.",
        fix='Add <meta name="viewport" content="width=device-width, initial-scale=1"> to <head>.',
        references=(
            "https://developer.mozilla.org/docs/Web/HTML/Viewport_meta_tag",
            "https://developers.google.com/search/docs/crawling-indexing/mobile/mobile-sites-mobile-first-indexing",
        ),
    ),
)
def viewport(page: Page, ctx: CheckContext) -> Result:
    """Fails when the viewport meta tag is absent or does not use the device width."""
    content = page.viewport
    if content is None:
        return failed('The page has no <meta name="viewport"> element.')
    if "device-width" not in content.replace(" ", "").lower():
        return failed("The viewport meta tag does not set width=device-width.", evidence=content)
    return passed()
