"""`thin-content`: indexable pages carry enough text to be worth ranking."""

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
    id="thin-content",
    category=Category.CONTENT,
    severity=Severity.MEDIUM,
    title="Page has enough text",
    failure_title="Page has thin content",
    docs=Docs(
        what="Counts the words a reader sees on an indexable page (200, not noindex) and "
        "compares them with `min_words`.",
        why="Pages with very little text rarely answer a query well; search engines treat "
        "many such pages as low quality (Google's helpful-content guidance). Screaming Frog "
        "and Sitebulb both flag pages under 200 words by default.",
        fix="Add useful, original text, merge the page into a richer one, or mark it noindex "
        "if it is not meant to rank (tag pages, thin listings).",
        references=(
            "https://developers.google.com/search/docs/fundamentals/creating-helpful-content",
        ),
    ),
    options={"min_words": Option(200, "Fewest visible words an indexable page may have.")},
)
def thin_content(page: Page, ctx: CheckContext) -> Result:
    """Fails when an indexable page has fewer than `min_words` visible words."""
    if page.status != 200 or "noindex" in page.robots_directives:
        return not_applicable()
    limit = ctx.int_option("min_words")
    if page.word_count < limit:
        return failed(
            f"The page shows {page.word_count} words; fewer than {limit} is thin content.",
            evidence=f"{page.word_count} words",
        )
    return passed()
