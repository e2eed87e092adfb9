"""`robots-txt-missing`: the site serves a robots.txt file."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._robots import robots_url
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="robots-txt-missing",
    category=Category.SITEMAPS,
    severity=Severity.LOW,
    title="Site serves a robots.txt",
    failure_title="Site has no robots.txt",
    whole_site=True,
    docs=Docs(
        what="Fails when /robots.txt answered with a 4xx status (usually 404).",
        why="Without robots.txt crawlers assume everything may be crawled, which is fine "
        "for many sites, but there is no place to keep crawlers out of endless URL spaces "
        "(search results, filters) or to announce the sitemap, and every crawler logs a 404.",
        fix="Serve a /robots.txt, even a minimal one: `User-agent: *`, `Allow: /` and a "
        "`Sitemap:` line with the sitemap's absolute URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots/create-robots-txt",
            "https://www.rfc-editor.org/rfc/rfc9309",
        ),
    ),
)
def robots_txt_missing(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for the site when robots.txt answered 4xx."""
    status = site.facts.robots_status
    if status is not None and 400 <= status < 500:
        url = robots_url(site.start_url)
        yield failed(
            f"{url} answered HTTP {status}.", evidence=f"HTTP {status}", locator=url, url=url
        )
