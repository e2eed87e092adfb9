"""`url-length`: page URLs are short enough to read and share."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="url-length",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="URL is reasonably short",
    failure_title="URL is too long",
    docs=Docs(
        what="Counts the characters of the page's URL (scheme, host, path and query) and "
        "compares them with `max_chars`. The default, 115, is Screaming Frog's; search "
        "engines index far longer URLs (browsers cope with 2,000+ characters), so this is "
        "about usability, not indexability.",
        why="Long URLs are truncated in search results and in shared links, are hard to "
        "read and type, and usually come from parameters or deep folder structures that "
        "also create duplicate content.",
        fix="Use short, descriptive paths with a few keywords; move tracking and state out "
        "of the URL or into canonicalised parameters.",
        references=("https://developers.google.com/search/docs/crawling-indexing/url-structure",),
    ),
    options={"max_chars": Option(115, "Longest URL, in characters, that passes.")},
)
def url_length(page: Page, ctx: CheckContext) -> Result:
    """Fails when the final URL is longer than `max_chars`."""
    limit = ctx.int_option("max_chars")
    if len(page.final_url) > limit:
        return failed(
            f"The URL is {len(page.final_url)} characters long (more than {limit}).",
            evidence=page.final_url,
        )
    return passed()
