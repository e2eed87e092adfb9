"""`internal-link-http`: an https site links to its own pages over https."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable
from siteaudit.model import Category, Page, Severity


@check(
    id="internal-link-http",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Internal links use HTTPS",
    failure_title="HTTPS page links to internal URLs over HTTP",
    docs=Docs(
        what="On https pages, reports every internal link (same host) whose URL is http://.",
        why="Each such link sends the visitor to plain http, where the request can be read "
        "or tampered with before a redirect (if any) brings them back, and it costs an "
        "extra round trip. Search engines also see two URLs for the same page.",
        fix="Change the links to https, or make them relative to the page.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/http-https-sites",
            "https://web.dev/articles/why-https-matters",
        ),
    ),
)
def internal_link_http(page: Page, ctx: CheckContext) -> Result:
    """One failure per internal http:// link on an https page."""
    if not page.is_https:
        return not_applicable()
    return [
        failed(
            f"The https page links to {link.url} over plain http.",
            evidence=f'<a href="{link.url}">{link.text}</a>',
            locator=link.url,
        )
        for link in page.links
        if link.internal and link.url.startswith("http://")
    ]
