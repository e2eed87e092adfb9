"""`click-depth`: pages are a few clicks from the start page."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, Option, failed, site_check
from siteaudit.checks.links._graph import is_audited
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="click-depth",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Pages are close to the start page",
    failure_title="Page is many clicks from the start page",
    docs=Docs(
        what="Reports indexable HTML pages whose crawl depth (the fewest link hops from the "
        "start URL) exceeds `max_depth`, default 3, the level Semrush and Sitebulb warn "
        "about. Pages first found through a sitemap are left out: their depth is not a "
        "click path.",
        why="Pages buried deep in the link structure are crawled less often, receive less "
        "internal link value, and are hard for visitors to find.",
        fix="Flatten the structure: link important deep pages from hubs, categories or "
        "the navigation, and add pagination shortcuts or related-content links.",
        references=(
            "https://developers.google.com/search/docs/fundamentals/seo-starter-guide#navigation",
            "https://developers.google.com/search/docs/crawling-indexing/large-site-managing-crawl-budget",
        ),
    ),
    options={"max_depth": Option(3, "Deepest click depth that passes.")},
)
def click_depth(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page deeper than `max_depth`."""
    limit = ctx.int_option("max_depth")
    for page in site.pages:
        if page.depth > limit and page.found_via != "sitemap" and is_audited(page):
            yield failed(
                f"{page.url} is {page.depth} clicks from the start page (more than {limit}).",
                evidence=f"depth {page.depth}",
                locator=page.url,
                url=page.url,
            )
