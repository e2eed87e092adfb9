"""`mixed-content`: an https page loads its scripts, styles and frames over https."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.http._mixed import mixed
from siteaudit.model import Category, Page, Severity


@check(
    id="mixed-content",
    category=Category.HTTP,
    severity=Severity.HIGH,
    title="Page loads active content over HTTPS",
    failure_title="HTTPS page loads scripts, styles or frames over HTTP",
    docs=Docs(
        what="On https pages, reports every blockable subresource (script, stylesheet, "
        "iframe, font and other non-media resources) whose URL is http://. Images, audio "
        "and video are `mixed-content-passive`'s.",
        why="Browsers block active mixed content outright, so the scripts, styles or frames "
        "never load and the page breaks; where they did load, an attacker on the network "
        "could rewrite them and take over the page.",
        fix="Load the resource over https (change the URL, or use a path relative to the "
        "page), or host a copy yourself; `Content-Security-Policy: "
        "upgrade-insecure-requests` is a stop-gap.",
        references=(
            "https://developer.mozilla.org/docs/Web/Security/Mixed_content",
            "https://web.dev/articles/what-is-mixed-content",
            "https://www.w3.org/TR/mixed-content/",
        ),
    ),
)
def mixed_content(page: Page, ctx: CheckContext) -> Result:
    """One failure per active http:// resource of an https page."""
    return mixed(page, passive=False)
