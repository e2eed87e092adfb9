"""`text-html-ratio`: the visible text is a reasonable share of the HTML."""

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
    id="text-html-ratio",
    category=Category.CONTENT,
    severity=Severity.LOW,
    title="Text is a fair share of the HTML",
    failure_title="Page has a low text-to-HTML ratio",
    docs=Docs(
        what="Divides the size of the visible text by the size of the HTML document and "
        "compares the ratio with `min_ratio`. Pages under 2 KB are not judged.",
        why="A page that is mostly markup, inline scripts and styles is slow to download for "
        "little content, and often hides its content in JavaScript. Tools disagree on the "
        "bar (Screaming Frog uses 10%, some SEO tools 15-25%); it is a hint, not a ranking "
        "factor, hence the low severity.",
        fix="Move inline scripts and styles to cached files, trim redundant markup, and make "
        "sure the main content is in the HTML.",
        references=(
            "https://www.screamingfrog.co.uk/seo-spider/issues/content/low-content-pages/",
        ),
    ),
    options={"min_ratio": Option(0.1, "Lowest share of visible text in the HTML (0-1).")},
)
def text_html_ratio(page: Page, ctx: CheckContext) -> Result:
    """Fails when visible text bytes / HTML bytes is below `min_ratio`."""
    if page.size_bytes < 2048:
        return not_applicable()
    minimum = float(str(ctx.option("min_ratio")))
    ratio = page.text_bytes / page.size_bytes
    if ratio < minimum:
        return failed(
            f"Visible text is {ratio:.1%} of the HTML; below {minimum:.0%}.",
            evidence=f"{page.text_bytes} text bytes in {page.size_bytes} HTML bytes",
        )
    return passed()
