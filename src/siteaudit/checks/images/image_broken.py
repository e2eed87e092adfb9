"""`image-broken`: the images a page shows load."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, site_check
from siteaudit.checks.http._resources import broken_resources
from siteaudit.model import Category, Severity
from siteaudit.model.report import RESOURCES
from siteaudit.model.site import Site


@site_check(
    id="image-broken",
    category=Category.IMAGES,
    severity=Severity.HIGH,
    title="Images load",
    failure_title="Page shows a broken image",
    docs=Docs(
        what="Once the crawl ends, checks each distinct image URL the crawled pages load "
        "(<img> src and the first srcset candidate, video posters, icons; HEAD, then GET "
        "when HEAD is refused) and reports, on each page, every image that answered "
        "4xx/5xx or could not be loaded. An image the crawl fetched as a page is judged by "
        "that answer; one robots.txt disallows is not requested; images on other hosts are "
        "checked with the external links (`--no-external` leaves them out). At most "
        "`crawl.resources_max` of the site's own URLs are requested; `--no-resources` "
        "turns these checks off, and the check is then not applicable.",
        why="A broken image shows visitors an empty box or its alt text, makes the page "
        "look abandoned, and loses the image's place in image search.",
        fix="Restore the file at that URL, or update the page to the image's new address "
        "(or remove the element).",
        references=("https://developers.google.com/search/docs/appearance/google-images",),
    ),
    needs=(RESOURCES,),
)
def image_broken(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (page, broken image URL) pair, reported on the page."""
    yield from broken_resources(r for r in site.broken_resources if r.kind == "image")
