"""`sitemap-url-blocked`: robots.txt lets crawlers fetch every sitemap URL."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-url-blocked",
    category=Category.SITEMAPS,
    severity=Severity.HIGH,
    title="Sitemap URLs may be crawled",
    failure_title="Sitemap lists a URL that robots.txt blocks",
    docs=Docs(
        what="Reports every sitemap URL that robots.txt disallows for the crawler's user "
        "agent (the crawl skipped it).",
        why="A blocked URL cannot be crawled, so its content cannot be indexed; at best it "
        "appears in results without a description. Listing it in the sitemap means either "
        "the sitemap or robots.txt is wrong.",
        fix="Remove the Disallow rule that matches the URL, or drop the URL from the sitemap.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots/intro",
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
        ),
    ),
)
def sitemap_url_blocked(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap URL found in the robots-blocked set."""
    for url in sorted(site.sitemap_urls & site.robots_blocked):
        yield failed(
            f"The sitemap lists {url}, which robots.txt disallows.",
            evidence=f"{url}: disallowed by robots.txt",
            locator=url,
            url=url,
        )
