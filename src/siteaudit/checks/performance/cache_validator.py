"""`cache-validator`: the HTML can be revalidated instead of downloaded again."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="cache-validator",
    category=Category.PERFORMANCE,
    severity=Severity.INFO,
    title="HTML response can be revalidated",
    failure_title="HTML response has no cache validator",
    docs=Docs(
        what="Fails HTML responses that carry neither an ETag nor a Last-Modified header, "
        "unless Cache-Control says no-store (nothing is cached, so nothing to revalidate). "
        "Static assets are not fetched by the crawler, so their cache headers are not "
        "checked.",
        why="With a validator, a returning visitor's browser (and Googlebot) can ask "
        '"changed since?" and get a tiny 304 Not Modified instead of the whole page; '
        "Google's crawler uses ETag and Last-Modified to crawl efficiently.",
        fix="Let the server send ETag or Last-Modified for pages (most static servers do; "
        "frameworks need middleware such as conditional GET).",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Conditional_requests",
            "https://developers.google.com/search/docs/crawling-indexing/googlebot#http-caching",
        ),
    ),
)
def cache_validator(page: Page, ctx: CheckContext) -> Result:
    """Fails when no ETag or Last-Modified is sent and caching is not forbidden."""
    if page.header("etag") or page.header("last-modified"):
        return passed()
    cache_control = (page.header("cache-control") or "").lower()
    if "no-store" in cache_control:
        return passed()
    return failed(
        "The response has neither ETag nor Last-Modified.",
        evidence=f"Cache-Control: {cache_control or '(none)'}",
    )
