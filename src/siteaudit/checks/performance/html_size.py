"""`html-size`: the HTML document is not bloated."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="html-size",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    title="HTML document is a reasonable size",
    failure_title="HTML document is very large",
    docs=Docs(
        what="Compares the size of the HTML document (decompressed, as parsed) with "
        "`max_kb`, default 500 KB. The median HTML document on the web is a few tens of "
        "kilobytes (HTTP Archive); Semrush warns only above 2 MB, and Googlebot reads just "
        "the first 15 MB. Subresources are not counted: the crawler does not fetch them.",
        why="The HTML is on the critical path: nothing renders until enough of it arrives "
        "and is parsed. Very large documents (inlined data, huge menus, embedded images) "
        "cost mobile visitors time and data on every page view.",
        fix="Move inlined data, SVG sprites and styles to cacheable files, paginate long "
        "lists, and trim repeated navigation markup.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/googlebot#how-googlebot-accesses-your-site",
            "https://almanac.httparchive.org/en/2022/page-weight",
        ),
    ),
    options={
        "max_kb": Option(500, "Largest HTML document, in kilobytes (1,000 bytes), that passes.")
    },
)
def html_size(page: Page, ctx: CheckContext) -> Result:
    """Fails when the document is larger than `max_kb` kilobytes."""
    limit = ctx.int_option("max_kb")
    if page.size_bytes > limit * 1000:
        return failed(
            f"The HTML document is {page.size_bytes / 1000:,.0f} KB (more than {limit} KB).",
            evidence=f"{page.size_bytes} bytes",
        )
    return passed()
