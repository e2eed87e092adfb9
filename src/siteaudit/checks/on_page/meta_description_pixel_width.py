"""`meta-description-pixel-width`: the meta description fits a search snippet."""

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
from siteaudit.checks.on_page._pixels import text_width
from siteaudit.model import Category, Page, Severity

FONT_PX = 14  # Google's desktop snippets are set in 14px Arial


@check(
    id="meta-description-pixel-width",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Meta description fits the search snippet width",
    failure_title="Meta description is too wide for a search snippet",
    docs=Docs(
        what="Estimates the width of the meta description set in 14px Arial, the font of "
        "Google's desktop snippets, and compares it with `max_px`. Default 920 px, the "
        "commonly measured desktop snippet width (two lines); Screaming Frog uses 985 px.",
        why="Snippets are cut by width, not by character count; the part that does not fit "
        "becomes an ellipsis, often in the middle of the call to action.",
        fix="Shorten the description and put its key message first.",
        references=(
            "https://developers.google.com/search/docs/appearance/snippet",
            "https://www.screamingfrog.co.uk/seo-spider/issues/meta-description/over-985-pixels/",
        ),
    ),
    options={"max_px": Option(920, "Widest description, in pixels at 14px Arial, that passes.")},
)
def meta_description_pixel_width(page: Page, ctx: CheckContext) -> Result:
    """Fails when the estimated description width exceeds `max_px`."""
    content = (page.meta_description or "").strip()
    if not content:
        return not_applicable()
    width = text_width(content, FONT_PX)
    limit = ctx.int_option("max_px")
    if width > limit:
        return failed(
            f"The meta description is about {width} px wide; more than {limit} px is cut off.",
            evidence=content,
        )
    return passed()
