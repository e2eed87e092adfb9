"""`orphan-page`: every page in the sitemap is linked from the site."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.links._graph import inlinks, is_audited, start_urls
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="orphan-page",
    category=Category.LINKS,
    severity=Severity.MEDIUM,
    title="Sitemap pages are linked internally",
    failure_title="Page is in the sitemap but no crawled page links to it",
    docs=Docs(
        what="Reports every indexable HTML page listed in a sitemap that no other crawled "
        "page links to (links through a redirect count). The start page is exempt. When "
        "the crawl stopped at its page limit, some linking pages may not have been fetched, "
        "so raise the limit before acting on a large list.",
        why="Search engines find and rank pages mainly through links; an orphan page is "
        "reachable only through the sitemap, gets no internal link value, and visitors "
        "cannot navigate to it. It is often a forgotten or outdated page.",
        fix="Link to the page from a relevant page, category or navigation, or remove it "
        "from the sitemap (and the site) if it is obsolete.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
            "https://developers.google.com/search/docs/fundamentals/seo-starter-guide#navigation",
        ),
    ),
)
def orphan_page(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap page without internal inlinks."""
    starts = start_urls(site)
    linked = inlinks(site)
    for page in site.pages:
        if page.url not in site.sitemap_urls or not is_audited(page) or page.url in starts:
            continue
        if not linked.get(page.url):
            yield failed(
                f"{page.url} is in the sitemap, but no crawled page links to it.",
                evidence=f"{page.url}: 0 internal inlinks",
                locator=page.url,
                url=page.url,
            )
