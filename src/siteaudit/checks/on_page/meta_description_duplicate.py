"""`meta-description-duplicate`: each indexable page has a description of its own."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.on_page._duplicates import duplicate_groups, shared_with
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="meta-description-duplicate",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Meta descriptions are unique",
    failure_title="Meta description is shared with other pages",
    docs=Docs(
        what="Compares the meta descriptions of every indexable HTML page of the crawl "
        "(whitespace collapsed). Broken, noindex and canonicalised pages are left out.",
        why="A description copied across pages describes none of them well; search engines "
        "tend to ignore it and build their own snippet.",
        fix="Write a description for each page that says what only that page offers, or "
        "remove the shared one so search engines pick text from the page.",
        references=("https://developers.google.com/search/docs/appearance/snippet",),
    ),
)
def meta_description_duplicate(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose description another indexable page also has."""
    for value, pages in duplicate_groups(site, lambda page: page.meta_description):
        for page in pages:
            yield failed(
                f"The same meta description is used by {len(pages)} pages.",
                evidence=f"{value!r}. {shared_with(page, pages)}",
                locator=value,
                url=page.url,
            )
