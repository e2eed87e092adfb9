"""`sitemap-url-broken`: every URL a sitemap lists works."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._listed import listed_pages
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-url-broken",
    category=Category.SITEMAPS,
    severity=Severity.HIGH,
    title="Sitemap lists only working URLs",
    failure_title="Sitemap lists a broken URL",
    docs=Docs(
        what="Looks up every sitemap URL among the crawled pages and reports those that "
        "answered 4xx/5xx or could not be fetched.",
        why="A sitemap is a list of the pages you want indexed. Listing error pages wastes "
        "crawl budget and teaches search engines to trust the sitemap less.",
        fix="Remove dead URLs from the sitemap (regenerate it from the live pages), or "
        "restore the pages.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
            "https://www.sitemaps.org/protocol.html",
        ),
    ),
)
def sitemap_url_broken(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap URL that is broken."""
    for page in listed_pages(site):
        if not page.is_broken:
            continue
        answer = (
            f"HTTP {page.status}" if page.status is not None else page.error_code or "no response"
        )
        yield failed(
            f"The sitemap lists {page.url}, which answered {answer}.",
            evidence=f"{page.url} -> {answer}",
            locator=page.url,
            url=page.url,
        )
