"""`sitemap-url-non-canonical`: sitemap URLs are their pages' canonical URLs."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._listed import listed_pages
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-url-non-canonical",
    category=Category.SITEMAPS,
    severity=Severity.MEDIUM,
    title="Sitemap lists canonical URLs",
    failure_title="Sitemap lists a URL whose canonical points elsewhere",
    docs=Docs(
        what="Reports every sitemap URL whose page declares a rel=canonical to a different "
        "URL (compared after normalisation, with the page's own final URL also accepted).",
        why="Google treats sitemap inclusion as a canonical signal. A sitemap that lists URL "
        "A while A names B as canonical sends two contradicting signals, and Google may "
        "pick neither of the URLs you intended.",
        fix="List only canonical URLs in the sitemap, or correct the page's canonical link.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
        ),
    ),
)
def sitemap_url_non_canonical(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap URL canonicalised to another URL."""
    for page in listed_pages(site):
        if page.canonical is None or page.canonical in {page.url, page.final_url}:
            continue
        yield failed(
            f"The sitemap lists {page.url}, whose canonical URL is {page.canonical}.",
            evidence=f'<link rel="canonical" href="{page.canonical}">',
            locator=page.url,
            url=page.url,
        )
