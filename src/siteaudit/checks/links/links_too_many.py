"""`links-too-many`: a page has a navigable number of links."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="links-too-many",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Page has a reasonable number of links",
    failure_title="Page has too many links",
    docs=Docs(
        what="Counts the distinct link targets of the page and compares them with "
        '`max_links`, default 300. Google\'s guidelines once said "fewer than 100" and '
        "dropped the number in 2016; Semrush and Sitebulb warn in the hundreds, Lighthouse "
        "has no such audit. Index pages (sitemaps in HTML, A-Z lists) may be right to "
        "exceed it.",
        why="Every link shares the page's link value; hundreds of links dilute it, make "
        "crawlers spend their time on navigation, and overwhelm readers.",
        fix="Trim mega-menus and footers to the pages that matter, split long lists with "
        "pagination or categories.",
        references=("https://developers.google.com/search/docs/crawling-indexing/links-crawlable",),
    ),
    options={"max_links": Option(300, "Most distinct links a page may have and pass.")},
)
def links_too_many(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page links to more than `max_links` distinct URLs."""
    limit = ctx.int_option("max_links")
    count = len(page.links)
    if count > limit:
        shown = f"{count}+" if page.links_truncated else str(count)
        return failed(f"The page has {shown} distinct links (more than {limit}).", evidence=shown)
    return passed()
