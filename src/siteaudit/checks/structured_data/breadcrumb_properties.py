"""`breadcrumb-properties`: BreadcrumbList items have a position and a name."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, not_applicable, passed
from siteaudit.checks.structured_data._required import count, describe, items_of
from siteaudit.model import Category, Page, Severity


@check(
    id="breadcrumb-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="Breadcrumb markup is complete",
    failure_title="Breadcrumb markup lacks required properties",
    docs=Docs(
        what="For each top-level BreadcrumbList, requires itemListElement, and for each of "
        "its ListItems a position and a name (directly or on its item). The item URL may be "
        "left out of the last crumb only, as Google allows.",
        why="Breadcrumbs replace the URL in search results; an invalid list is not shown.",
        fix="Give every ListItem position (1, 2, ...), name and item (the crumb's URL).",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/breadcrumb",
        ),
    ),
)
def breadcrumb_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per BreadcrumbList with missing positions, names or items."""
    lists = items_of(page, {"BreadcrumbList"})
    if not lists:
        return not_applicable()
    failures: list[Failed] = []
    for item in lists:
        crumbs = count(item, "itemListElement")
        names = count(item, "itemListElement.name") + count(item, "itemListElement.item.name")
        problems = []
        if crumbs == 0:
            problems.append("has no itemListElement")
        if count(item, "itemListElement.position") < crumbs:
            problems.append("has crumbs without a position")
        if names < crumbs:
            problems.append("has crumbs without a name")
        if count(item, "itemListElement.item") < crumbs - 1:
            problems.append("has crumbs without an item URL")
        if problems:
            failures.append(describe(item, " and ".join(problems)))
    return failures or passed()
