"""`title-length-long`: the title fits in a search result."""

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
    id="title-length-long",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Title is short enough to show in full",
    failure_title="Title is too long",
    docs=Docs(
        what="Counts the characters of the <title> and compares them with `max_chars`.",
        why="Search engines cut titles at about 600 pixels, roughly 60 characters, and end "
        "them with an ellipsis; the words that are cut off do not reach the reader. Moz and "
        "Yoast recommend at most 60 characters, some tools allow 70; raise `max_chars` to "
        "match the tool your team compares against.",
        fix="Shorten the title and put the words that matter most first.",
        references=(
            "https://developers.google.com/search/docs/appearance/title-link",
            "https://moz.com/learn/seo/title-tag",
        ),
    ),
    options={"max_chars": Option(60, "Longest title, in characters, that passes.")},
)
def title_length_long(page: Page, ctx: CheckContext) -> Result:
    """Fails when the title has more than `max_chars` characters."""
    if not page.title:
        return not_applicable()
    limit = ctx.int_option("max_chars")
    if len(page.title) > limit:
        return failed(
            f"The title is {len(page.title)} characters long; more than {limit} is cut off "
            "in search results.",
            evidence=page.title,
        )
    return passed()
