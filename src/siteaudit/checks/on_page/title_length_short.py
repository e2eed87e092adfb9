"""`title-length-short`: the title says enough."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="title-length-short",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Title is long enough to describe the page",
    failure_title="Title is too short",
    docs=Docs(
        what="Counts the characters of the <title> and compares them with `min_chars`.",
        why='A very short title ("Home", "Products") wastes the most visible line of a '
        "search result and rarely tells a searcher why this page is the answer. Peer tools "
        "(Screaming Frog, Sitebulb, Semrush) flag titles under 30 characters.",
        fix="Describe the page's subject in the title, adding the brand or a qualifier.",
        references=("https://developers.google.com/search/docs/appearance/title-link",),
    ),
    options={"min_chars": Option(30, "Shortest title, in characters, that passes.")},
)
def title_length_short(page: Page, ctx: CheckContext) -> Result:
    """Fails when a non-empty title has fewer than `min_chars` characters."""
    if not page.title:
        return not_applicable()
    limit = ctx.int_option("min_chars")
    if len(page.title) < limit:
        return failed(
            f"The title is only {len(page.title)} characters long (fewer than {limit}).",
            evidence=page.title,
        )
    return passed()
