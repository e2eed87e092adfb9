"""`sitemap-url-noindex`: the sitemap does not list pages that refuse indexing."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._listed import listed_pages
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-url-noindex",
    category=Category.SITEMAPS,
    severity=Severity.MEDIUM,
    title="Sitemap lists only indexable pages",
    failure_title="Sitemap lists a noindex page",
    docs=Docs(
        what="Reports every sitemap URL whose page carries noindex (meta robots or X-Robots-Tag).",
        why="The sitemap asks search engines to index a page that in turn asks not to be "
        "indexed. The contradiction wastes crawl budget and usually means one of the two "
        "is a mistake (often a leftover noindex from staging).",
        fix="Decide whether the page should be found: remove noindex, or remove the URL "
        "from the sitemap.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
            "https://developers.google.com/search/docs/crawling-indexing/block-indexing",
        ),
    ),
)
def sitemap_url_noindex(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap URL marked noindex."""
    for page in listed_pages(site):
        if page.noindex and not page.is_broken:
            yield failed(
                f"The sitemap lists {page.url}, which is marked noindex.",
                evidence=f"{page.url}: noindex",
                locator=page.url,
                url=page.url,
            )
