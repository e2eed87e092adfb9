"""`inlinks-nofollow-only`: pages are reachable through followed links."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.links._graph import inlinks, is_audited, start_urls
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="inlinks-nofollow-only",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Pages have followed internal inlinks",
    failure_title="Page is linked internally only with nofollow",
    docs=Docs(
        what="Reports indexable HTML pages whose every internal inlink carries rel=nofollow "
        "(or ugc/sponsored). The start page is exempt.",
        why="Search engines may not crawl through nofollow links and pass no link value "
        "along them, so a page reached only that way may not be discovered or ranked, "
        "even though the site clearly wants visitors to reach it.",
        fix="Remove rel=nofollow from internal links to pages you want found; to keep a "
        "page out of search, use noindex instead.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/qualify-outbound-links",
        ),
    ),
)
def inlinks_nofollow_only(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose inlinks are all nofollow."""
    starts = start_urls(site)
    followed = inlinks(site, follow_only=True)
    unfollowed = [
        page
        for page in site.pages
        if not followed.get(page.url) and page.url not in starts and is_audited(page)
    ]
    # Usually none: the graph with nofollow links is only built when a page needs it.
    every = inlinks(site) if unfollowed else {}
    for page in unfollowed:
        sources = every.get(page.url)
        if sources:
            yield failed(
                f"{page.url} is linked from {len(sources)} page(s), always with nofollow.",
                evidence="nofollow inlinks from: " + ", ".join(sorted(sources)[:5]),
                locator=page.url,
                url=page.url,
            )
