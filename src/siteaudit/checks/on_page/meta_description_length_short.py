"""`meta-description-length-short`: the meta description says enough."""

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
    id="meta-description-length-short",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Meta description is long enough to inform",
    failure_title="Meta description is too short",
    docs=Docs(
        what="Counts the characters of a non-empty meta description and compares them with "
        "`min_chars` (default 70, Screaming Frog's threshold; Yoast warns below 120).",
        why="A very short description wastes the space search results give the snippet, "
        "and Google often replaces it with text of its own choosing from the page.",
        fix="Write one or two full sentences (roughly 120-155 characters) that summarise "
        "the page and give a reason to click.",
        references=(
            "https://developers.google.com/search/docs/appearance/snippet",
            "https://www.screamingfrog.co.uk/seo-spider/issues/meta-description/below-70-characters/",
        ),
    ),
    options={"min_chars": Option(70, "Shortest description, in characters, that passes.")},
)
def meta_description_length_short(page: Page, ctx: CheckContext) -> Result:
    """Fails when the description has fewer than `min_chars` characters."""
    content = " ".join((page.meta_description or "").split())
    if not content:
        return not_applicable()
    limit = ctx.int_option("min_chars")
    if len(content) < limit:
        return failed(
            f"The meta description is {len(content)} characters long (fewer than {limit}).",
            evidence=content,
        )
    return passed()
