"""`sitemap-error`: every sitemap can be fetched and read."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="sitemap-error",
    category=Category.SITEMAPS,
    severity=Severity.HIGH,
    title="Sitemaps can be read",
    failure_title="Sitemap cannot be read",
    whole_site=True,
    docs=Docs(
        what="Reports every sitemap (declared in robots.txt, found at /sitemap.xml or "
        "listed in a sitemap index) that did not answer 2xx, or whose content could not be "
        "parsed or was read only in part.",
        why="Search engines skip a sitemap they cannot fetch or parse, so every URL it "
        "lists loses that path into the index, usually without anyone noticing.",
        fix="Serve the sitemap with HTTP 200 as well-formed XML in the sitemaps.org format "
        "(UTF-8, entity-escaped URLs), and split files that exceed the size limits.",
        references=(
            "https://www.sitemaps.org/protocol.html",
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
        ),
    ),
)
def sitemap_error(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per sitemap with an error or a non-2xx answer."""
    for info in site.facts.sitemaps:
        ok_status = info.status is not None and 200 <= info.status < 300
        if info.error is None and ok_status:
            continue
        problem = info.error or f"answered HTTP {info.status}"
        yield failed(
            f"The sitemap {info.url} cannot be read: {problem}.",
            evidence=f"{info.url}: {problem}",
            locator=info.url,
            url=info.url,
        )
