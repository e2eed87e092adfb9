"""`resource-broken`: the scripts, stylesheets and other files a page loads answer."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, site_check
from siteaudit.checks.http._resources import broken_resources
from siteaudit.model import Category, Severity
from siteaudit.model.report import RESOURCES
from siteaudit.model.site import Site


@site_check(
    id="resource-broken",
    category=Category.HTTP,
    severity=Severity.HIGH,
    title="Scripts, stylesheets and other resources load",
    failure_title="Page loads a broken script, stylesheet or other resource",
    docs=Docs(
        what="Once the crawl ends, checks each distinct URL of a script, stylesheet, font, "
        "media file, frame or preloaded file the crawled pages load (HEAD, then GET when "
        "HEAD is refused) and reports, on each page, every one that answered 4xx/5xx or "
        "could not be loaded. Images have their own check, `image-broken`; what it says "
        "of robots.txt, other hosts and the limits holds here too.",
        why="A missing stylesheet leaves the page unstyled, a missing script breaks its "
        "menus, forms or content, and each failed request is time the browser spent for "
        "nothing; search engines render the page without them too.",
        fix="Restore the file at that URL (a deploy that renamed hashed assets is the usual "
        "cause), or update the page to the file's new address.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/javascript/fix-search-javascript",
        ),
    ),
    needs=(RESOURCES,),
)
def resource_broken(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (page, broken resource URL) pair that is not an image."""
    yield from broken_resources(r for r in site.broken_resources if r.kind != "image")
