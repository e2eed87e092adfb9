"""`h1-length-long`: the h1 is a headline, not a paragraph."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="h1-length-long",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="H1 is concise",
    failure_title="H1 is too long",
    docs=Docs(
        what="Counts the characters of each <h1> and compares them with `max_chars` "
        "(default 70, Screaming Frog's threshold).",
        why="A headline is read at a glance; a long h1 dilutes what the page is about for "
        "readers and search engines, and often means a whole paragraph was marked up as a "
        "heading.",
        fix="Shorten the h1 to the page's main topic and move the rest into the text below.",
        references=(
            "https://developers.google.com/search/docs/fundamentals/seo-starter-guide",
            "https://www.screamingfrog.co.uk/seo-spider/issues/h1/over-70-characters/",
        ),
    ),
    options={"max_chars": Option(70, "Longest h1, in characters, that passes.")},
)
def h1_length_long(page: Page, ctx: CheckContext) -> Result:
    """One failure per h1 longer than `max_chars`."""
    limit = ctx.int_option("max_chars")
    long_ones = [text for text in page.h1s if len(text) > limit]
    if not long_ones:
        return passed()
    return [
        failed(f"The <h1> is {len(text)} characters long (more than {limit}).", evidence=text)
        for text in long_ones
    ]
