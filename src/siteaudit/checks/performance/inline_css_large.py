"""`inline-css-large`: inline styles are small."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="inline-css-large",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="Inline CSS is small",
    failure_title="Page has large inline CSS",
    docs=Docs(
        what="Adds up the bytes of the page's <style> elements and compares the total with "
        "`max_kb`, default 50 KB. Inlining the critical CSS (ideally under 14 KB, one TCP "
        "round trip) is good practice; whole stylesheets inlined on every page are not.",
        why="Inline CSS is downloaded again with every page and cannot be cached, and it "
        "delays the HTML that follows it.",
        fix="Inline only the CSS needed for the first screen and load the rest from a "
        "cacheable stylesheet.",
        references=(
            "https://web.dev/articles/extract-critical-css",
            "https://web.dev/articles/defer-non-critical-css",
        ),
    ),
    options={"max_kb": Option(50, "Largest total of inline CSS, in kilobytes, that passes.")},
)
def inline_css_large(page: Page, ctx: CheckContext) -> Result:
    """Fails when <style> elements total more than `max_kb` kilobytes."""
    limit = ctx.int_option("max_kb")
    if page.inline_style_bytes > limit * 1000:
        return failed(
            f"Inline CSS totals {page.inline_style_bytes / 1000:,.0f} KB (more than {limit} KB).",
            evidence=f"{page.inline_style_bytes} bytes in <style> elements",
        )
    return passed()
