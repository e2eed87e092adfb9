"""`sitemap-url-redirect`: sitemap URLs are final URLs, not redirects."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._listed import listed_pages
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-url-redirect",
    category=Category.SITEMAPS,
    severity=Severity.MEDIUM,
    title="Sitemap lists final URLs",
    failure_title="Sitemap lists a redirecting URL",
    docs=Docs(
        what="Reports every sitemap URL that the crawl saw redirect to another URL.",
        why="Google asks for the URLs you want to see in search results; a redirecting URL "
        "is not one of them, costs an extra fetch, and weakens the sitemap as a canonical "
        "signal.",
        fix="List the redirect's target (the final URL) in the sitemap instead.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def sitemap_url_redirect(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap URL that redirected."""
    for page in listed_pages(site):
        if page.redirect_hops == 0 and page.final_url == page.url:
            continue
        yield failed(
            f"The sitemap lists {page.url}, which redirects to {page.final_url}.",
            evidence=f"{page.url} -> {page.final_url}",
            locator=page.url,
            url=page.url,
        )
