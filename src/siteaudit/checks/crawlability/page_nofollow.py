"""`page-nofollow`: crawlers may follow the page's links."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import NOFOLLOW_DIRECTIVES


@check(
    id="page-nofollow",
    category=Category.CRAWLABILITY,
    severity=Severity.LOW,
    title="Page lets crawlers follow its links",
    failure_title="Page is marked nofollow",
    docs=Docs(
        what="Looks for nofollow or none in the robots/googlebot meta tags and the "
        "X-Robots-Tag header (with or without a user-agent prefix).",
        why="A page-wide nofollow tells search engines to ignore every link on the page, so "
        "pages linked only from here may never be found and receive no link value. It is "
        "rarely intended on public pages; often it is left over from a staging site.",
        fix="Remove nofollow from the meta robots tag or X-Robots-Tag header; to qualify "
        "individual links, use rel=nofollow on those links only.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag#directives",
        ),
    ),
)
def page_nofollow(page: Page, ctx: CheckContext) -> Result:
    """Fails when a meta robots tag or X-Robots-Tag says nofollow or none."""
    if NOFOLLOW_DIRECTIVES & page.meta_robots_directives:
        return failed(
            "A robots meta tag tells search engines not to follow the page's links.",
            evidence=f"<meta name=robots content={', '.join(page.meta_robots)!r}>",
        )
    if NOFOLLOW_DIRECTIVES & page.header_robots_directives:
        return failed(
            "The X-Robots-Tag header tells search engines not to follow the page's links.",
            evidence=f"X-Robots-Tag: {page.header('x-robots-tag')}",
        )
    return passed()
