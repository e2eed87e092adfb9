"""`title-duplicate`: each indexable page has a title of its own."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.on_page._duplicates import duplicate_groups, shared_with
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="title-duplicate",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Titles are unique",
    failure_title="Title is shared with other pages",
    docs=Docs(
        what="Compares the titles of every indexable HTML page of the crawl (whitespace "
        "collapsed, case kept). Broken, noindex and canonicalised pages are left out.",
        why="When several pages share a title, search engines cannot tell which one answers "
        "a query, may pick the wrong one or rewrite the titles, and searchers cannot tell "
        "the results apart.",
        fix="Give every page a title that names what is unique about it; if the pages are "
        "really the same, keep one and point the others to it with rel=canonical.",
        references=("https://developers.google.com/search/docs/appearance/title-link",),
    ),
)
def title_duplicate(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose title another indexable page also has."""
    for value, pages in duplicate_groups(site, lambda page: page.title):
        for page in pages:
            yield failed(
                f"The title {value!r} is used by {len(pages)} pages.",
                evidence=shared_with(page, pages),
                locator=value,
                url=page.url,
            )
