"""`meta-refresh`: the page does not redirect with a meta refresh."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import refresh_url


@check(
    id="meta-refresh",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Page does not redirect with meta refresh",
    failure_title="Page redirects with a meta refresh",
    docs=Docs(
        what='Looks for <meta http-equiv="refresh"> whose content names a target URL (a '
        "client-side redirect), and for a Refresh HTTP header that does. A refresh that only "
        "reloads the same page is an accessibility matter and not reported here.",
        why="Google follows meta refresh redirects but recommends server-side 301s; other "
        "crawlers and tools may not follow them, the page loads first and then jumps "
        "(slow, and disorienting for screen reader users), and the back button breaks.",
        fix="Replace the meta refresh (or Refresh header) with a server-side 301 (permanent) or "
        "302 redirect.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/301-redirects#metarefresh",
            "https://developer.mozilla.org/docs/Web/HTML/Element/meta#http-equiv",
        ),
    ),
)
def meta_refresh(page: Page, ctx: CheckContext) -> Result:
    """Fails when a meta refresh, or a Refresh header, names a URL to go to."""
    content = page.meta.get("refresh")
    if content is not None and refresh_url(content) is not None:
        return failed(
            "The page redirects with a meta refresh.",
            evidence=f'<meta http-equiv="refresh" content="{content}">',
        )
    header = page.header("refresh")
    if header is not None and refresh_url(header) is not None:
        return failed("The page redirects with a Refresh header.", evidence=f"Refresh: {header}")
    return passed()
