"""`robots-txt-sitemap`: robots.txt announces the sitemap."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._robots import lines, robots_url
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="robots-txt-sitemap",
    category=Category.SITEMAPS,
    severity=Severity.LOW,
    title="robots.txt declares the sitemap",
    failure_title="robots.txt does not declare a sitemap",
    whole_site=True,
    docs=Docs(
        what="Looks for at least one `Sitemap:` line in a robots.txt that answered 200.",
        why="The Sitemap line is how every crawler, not only those you submitted the "
        "sitemap to in a webmaster console, finds the sitemap.",
        fix="Add `Sitemap: https://example.com/sitemap.xml` (an absolute URL) to robots.txt; "
        "the line may appear anywhere in the file.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap#addsitemap",
            "https://www.sitemaps.org/protocol.html#submit_robots",
        ),
    ),
)
def robots_txt_sitemap(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for a served robots.txt without any Sitemap line."""
    facts = site.facts
    if facts.robots_status != 200 or facts.robots_txt is None:
        return
    if any(line.field == "sitemap" for line in lines(facts.robots_txt)):
        return
    url = robots_url(site.start_url)
    yield failed(
        "robots.txt has no Sitemap: line.",
        evidence=facts.robots_txt[:200],
        locator=url,
        url=url,
    )
