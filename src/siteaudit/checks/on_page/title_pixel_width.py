"""`title-pixel-width`: the title fits the width of a search result headline."""

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

FONT_PX = 20  # Google's desktop result titles are set in 20px Arial


@check(
    id="title-pixel-width",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Title fits the search result width",
    failure_title="Title is too wide for a search result",
    docs=Docs(
        what="Estimates the width of the title set in 20px Arial, the font of Google's "
        "desktop result titles, from per-character advance widths, and compares it with "
        "`max_px`. Default 580 px: Google's title container is about 600 px wide and the "
        "ellipsis needs room; Screaming Frog uses 561 px, other tools 575-600 px.",
        why="Characters differ in width (`W` is four times `i`), so a character limit both "
        "misses wide titles and flags narrow ones. Whatever does not fit is replaced by an "
        "ellipsis and never reaches the searcher.",
        fix="Shorten the title, put the distinctive words first, and move the brand to the "
        "end where a cut costs least.",
        references=(
            "https://developers.google.com/search/docs/appearance/title-link",
            "https://www.screamingfrog.co.uk/seo-spider/issues/page-titles/over-561-pixels/",
        ),
    ),
    options={"max_px": Option(580, "Widest title, in pixels at 20px Arial, that passes.")},
)
def title_pixel_width(page: Page, ctx: CheckContext) -> Result:
    """Fails when the estimated title width exceeds `max_px`."""
    if not page.title:
        return not_applicable()
    width = text_width(page.title, FONT_PX)
    limit = ctx.int_option("max_px")
    if width > limit:
        return failed(
            f"The title is about {width} px wide; more than {limit} px is cut off.",
            evidence=page.title,
        )
    return passed()
