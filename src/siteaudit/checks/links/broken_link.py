"""`broken-link`: internal links lead to working pages."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, site_check
from siteaudit.checks.links._broken import broken_target
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="broken-link",
    category=Category.LINKS,
    severity=Severity.HIGH,
    title="Internal links lead to working pages",
    failure_title="Page links to a broken URL",
    docs=Docs(
        what="Follows every internal link of the crawl to the page it targets and reports, "
        "on the linking page, each target that answered 4xx/5xx or could not be fetched.",
        why="A broken link sends visitors to an error page and wastes the crawl budget and "
        "link value search engines give the site.",
        fix="Update each link to a working URL, or restore or redirect the missing page.",
        references=("https://developers.google.com/search/docs/crawling-indexing/links-crawlable",),
    ),
)
def broken_link(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (source page, broken target) pair, reported on the source page."""
    broken = {page.url: page for page in site.pages if page.is_broken}
    seen: set[tuple[str, str]] = set()
    for link in site.links_to(broken):
        target = broken[link.target]
        if (link.source, link.target) in seen:
            continue
        seen.add((link.source, link.target))
        yield broken_target(
            link.source,
            link.target,
            link.text,
            target.status,
            target.error_code,
            link.position,
            no_answer="could not be fetched",
        )
