"""`external-link-broken`: links to other sites lead to working pages."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, site_check
from siteaudit.checks.links._broken import broken_target, each_pair
from siteaudit.model import Category, Severity
from siteaudit.model.report import EXTERNAL_LINKS
from siteaudit.model.site import Site


@site_check(
    id="external-link-broken",
    category=Category.LINKS,
    severity=Severity.MEDIUM,
    title="External links lead to working pages",
    failure_title="Page links to a broken external URL",
    docs=Docs(
        what="Once the crawl ends, checks each distinct URL on another host that a crawled "
        "page links to (HEAD, then GET when HEAD is refused; never crawled) and reports, on "
        "the linking page, each one that answered 4xx/5xx or could not be reached. Scans "
        "check at most `crawl.external_per_host` URLs per host and `crawl.external_max` in "
        "all; `--no-external` turns the checks off. A scan that did not check them (turned "
        "off, or a machine without network access) scores this check as not applicable.",
        why="A dead outbound link sends visitors to an error page, and a page full of them "
        "reads as unmaintained to visitors and search engines alike.",
        fix="Update each link to the page's new address, link to an archived copy, or remove it.",
        references=("https://developers.google.com/search/docs/crawling-indexing/links-crawlable",),
    ),
    needs=(EXTERNAL_LINKS,),
)
def external_link_broken(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (source page, broken external URL) pair, reported on the source."""
    for link in each_pair(site.broken_external):
        yield broken_target(*link, no_answer="could not be reached")
