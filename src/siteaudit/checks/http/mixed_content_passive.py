"""`mixed-content-passive`: an https page loads its images and media over https."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.http._mixed import mixed
from siteaudit.model import Category, Page, Severity


@check(
    id="mixed-content-passive",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Page loads images and media over HTTPS",
    failure_title="HTTPS page loads images or media over HTTP",
    docs=Docs(
        what="On https pages, reports every image, audio or video resource whose URL is "
        "http:// (upgradeable mixed content).",
        why="Current browsers silently upgrade such requests to https and drop the resource "
        "when the server cannot serve it, so images vanish; older browsers load them over "
        "http, where they can be swapped in transit, and show the page as not fully secure.",
        fix="Reference the image or media file over https, or host it yourself.",
        references=(
            "https://developer.mozilla.org/docs/Web/Security/Mixed_content",
            "https://www.w3.org/TR/mixed-content/#category-upgradeable",
        ),
    ),
)
def mixed_content_passive(page: Page, ctx: CheckContext) -> Result:
    """One failure per http:// image or media resource of an https page."""
    return mixed(page, passive=True)
