"""`noindex`: the page does not ask to be left out of search results."""

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import NOINDEX_DIRECTIVES


@check(
    id="noindex",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Page may be indexed",
    failure_title="Page is marked noindex",
    docs=Docs(
        what="Reads the robots and googlebot meta tags and the X-Robots-Tag header (without "
        "a user-agent prefix, or with googlebot's; another crawler's is its own) of every "
        "successful, non-redirected response, looking for noindex or none.",
        why="A noindex directive removes the page from search results. It is right for "
        "thank-you pages or internal search, and a disaster when a staging setting or a "
        "plugin leaves it on real content.",
        fix="Remove noindex from the meta robots tag or X-Robots-Tag header of pages that "
        "should be found; keep it only where exclusion is intended.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/block-indexing",
            "https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag",
        ),
    ),
    applies=Applies.RESPONSE,
)
def noindex(page: Page, ctx: CheckContext) -> Result:
    """Fails when a meta robots tag or X-Robots-Tag says noindex or none."""
    # A redirect's directives belong to its target, which is audited as a page of its own.
    if page.status is None or not 200 <= page.status < 300 or page.redirects:
        return not_applicable()
    if NOINDEX_DIRECTIVES & page.meta_robots_directives:
        meta = [d.strip().lower() for d in page.meta_robots]
        return failed(
            "A robots meta tag tells search engines not to index the page.",
            evidence=f"<meta name=robots content={', '.join(meta)!r}>",
        )
    # X-Robots-Tag may target one crawler: "googlebot: noindex, nofollow".
    if NOINDEX_DIRECTIVES & page.header_robots_directives:
        header = page.header("x-robots-tag") or ""
        return failed(
            "The X-Robots-Tag header tells search engines not to index the page.",
            evidence=f"X-Robots-Tag: {header}",
        )
    return passed()
