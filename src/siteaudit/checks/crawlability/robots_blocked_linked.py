"""`robots-blocked-linked`: pages the site links to may be crawled."""

from collections import defaultdict
from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site

MAX_LISTED = 5


@site_check(
    id="robots-blocked-linked",
    category=Category.CRAWLABILITY,
    severity=Severity.LOW,
    title="Linked pages are not blocked by robots.txt",
    failure_title="Linked URL is blocked by robots.txt",
    docs=Docs(
        what="Reports each internal URL that crawled pages link to but robots.txt "
        "disallows for the crawler, once per URL, with the linking pages as evidence. "
        "Blocking carts, logins or internal search is often intended: review the list "
        "rather than unblock everything.",
        why="Search engines cannot crawl a blocked URL, so its content is never read; it "
        "may still be indexed from links alone, with no description. A rule written too "
        "broadly can hide whole sections of the site.",
        fix="Narrow the Disallow rule so it matches only what must not be crawled, or stop "
        "linking to blocked URLs; to keep a page out of results use noindex, which needs "
        "the page to be crawlable.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots/intro",
            "https://www.rfc-editor.org/rfc/rfc9309",
        ),
    ),
)
def robots_blocked_linked(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per blocked URL that crawled pages link to."""
    sources: dict[str, list[str]] = defaultdict(list)
    for link in site.links_to(site.robots_blocked):
        if link.source not in sources[link.target]:
            sources[link.target].append(link.source)
    for target, linking in sorted(sources.items()):
        more = f" and {len(linking) - MAX_LISTED} more" if len(linking) > MAX_LISTED else ""
        yield failed(
            f"{target} is linked from {len(linking)} page(s) but disallowed by robots.txt.",
            evidence="linked from: " + ", ".join(linking[:MAX_LISTED]) + more,
            locator=target,
            url=target,
        )
