"""`image-count-large`: a page does not load an excessive number of images."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="image-count-large",
    category=Category.IMAGES,
    severity=Severity.LOW,
    title="Page has a reasonable number of images",
    failure_title="Page has too many images",
    docs=Docs(
        what="Counts the <img> elements of the page and compares them with `max_images`.",
        why="Every image is a request and bytes to download; hundreds of them slow the page, "
        "especially without lazy loading, and usually point at a gallery that should be "
        "paginated.",
        fix='Paginate or lazy-load (loading="lazy") images below the fold, and use CSS or '
        "SVG sprites for icons.",
        references=("https://web.dev/articles/browser-level-image-lazy-loading",),
    ),
    options={"max_images": Option(100, "Most <img> elements a page may have.")},
)
def image_count_large(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page has more than `max_images` images."""
    limit = ctx.int_option("max_images")
    if len(page.images) > limit:
        lazy = sum(1 for image in page.images if image.loading == "lazy")
        return failed(
            f"The page has {len(page.images)} images; more than {limit} is heavy.",
            evidence=f"{len(page.images)} <img> elements, {lazy} with loading=lazy",
        )
    return passed()
