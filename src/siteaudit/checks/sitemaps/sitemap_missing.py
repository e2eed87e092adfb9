"""`sitemap-missing`: the site publishes an XML sitemap."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-missing",
    category=Category.SITEMAPS,
    severity=Severity.LOW,
    title="Site has a sitemap",
    failure_title="Site has no sitemap",
    whole_site=True,
    docs=Docs(
        what="Fails when discovery found no sitemap: none declared in robots.txt and none "
        "at the conventional /sitemap.xml. Says nothing when discovery did not run (no "
        "robots.txt answer was recorded at all).",
        why="A sitemap tells search engines which URLs exist and when they changed. Small, "
        "well-linked sites do fine without one, but large sites, new sites and pages with "
        "few links are found faster with one.",
        fix="Publish a sitemap (most CMSs generate one) and declare it in robots.txt with a "
        "Sitemap: line, or submit it in Search Console.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/overview",
            "https://www.sitemaps.org/protocol.html",
        ),
    ),
)
def sitemap_missing(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for the site when no sitemap was found."""
    facts = site.facts
    if facts.sitemaps or facts.robots_status is None:
        return
    yield failed(
        "No sitemap was found in robots.txt or at /sitemap.xml.",
        evidence=f"robots.txt answered HTTP {facts.robots_status}; no Sitemap: line",
        locator="sitemap",
        url=site.start_url,
    )
