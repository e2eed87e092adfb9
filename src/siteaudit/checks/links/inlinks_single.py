"""`inlinks-single`: pages are linked from more than one other page."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.links._graph import inlinks, is_audited, start_urls
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="inlinks-single",
    category=Category.LINKS,
    severity=Severity.INFO,
    title="Pages have several internal inlinks",
    failure_title="Page is linked from only one other page",
    docs=Docs(
        what="Counts, for every indexable HTML page, the distinct other crawled pages that "
        "link to it (links through a redirect count) and reports pages with exactly one. "
        "The start page is exempt; pages with none are `orphan-page`'s when they are in a "
        "sitemap.",
        why="Internal links are how search engines discover pages and judge their "
        "importance. A page with a single inlink is one template change away from being "
        "orphaned and receives little internal link value (Semrush reports it as a notice).",
        fix="Link to the page from related content, category pages or hubs.",
        references=("https://developers.google.com/search/docs/crawling-indexing/links-crawlable",),
    ),
)
def inlinks_single(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page with exactly one linking page."""
    starts = start_urls(site)
    linked = inlinks(site)
    for page in site.pages:
        sources = linked.get(page.url, ())
        if len(sources) == 1 and is_audited(page) and page.url not in starts:
            (source,) = sources
            yield failed(
                f"{page.url} is linked from only one page.",
                evidence=f"only inlink: {source}",
                locator=source,
                url=page.url,
            )
