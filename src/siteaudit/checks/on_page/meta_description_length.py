"""`meta-description-length`: the meta description fits in a search snippet."""

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
    id="meta-description-length",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Meta description is short enough to show in full",
    failure_title="Meta description is too long",
    docs=Docs(
        what="Counts the characters of the meta description and compares them with `max_chars`.",
        why="Search snippets are cut at about 920 pixels on desktop, roughly 155-160 "
        "characters; the rest never reaches the reader. Moz, Yoast and Screaming Frog use "
        "limits between 155 and 160.",
        fix="Shorten the description and put its key message in the first 120 characters.",
        references=("https://developers.google.com/search/docs/appearance/snippet",),
    ),
    options={"max_chars": Option(160, "Longest description, in characters, that passes.")},
)
def meta_description_length(page: Page, ctx: CheckContext) -> Result:
    """Fails when the description has more than `max_chars` characters."""
    content = (page.meta_description or "").strip()
    if not content:
        return not_applicable()
    limit = ctx.int_option("max_chars")
    if len(content) > limit:
        return failed(
            f"The meta description is {len(content)} characters long; more than {limit} is "
            "cut off in search results.",
            evidence=content,
        )
    return passed()
