"""`image-dimensions`: images declare width and height so the layout does not shift."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.checks.images._alt import short_src, unique_images
from siteaudit.model import Category, Page, Severity

MAX_FINDINGS = 20


@check(
    id="image-dimensions",
    category=Category.IMAGES,
    severity=Severity.LOW,
    title="Images have explicit width and height",
    failure_title="Image has no width or height attribute",
    docs=Docs(
        what="Reports <img> elements missing a width or a height attribute (at most 20 per "
        "page). Setting the size in CSS also reserves space, which this check cannot see "
        "without a browser; it follows Lighthouse's unsized-images audit on attributes.",
        why="Without dimensions the browser cannot reserve space before the image loads, so "
        "the content below jumps: Cumulative Layout Shift, a Core Web Vital, gets worse.",
        fix="Add width and height attributes with the image's intrinsic size (CSS can still "
        "scale it with `height: auto`).",
        references=(
            "https://web.dev/articles/optimize-cls#images-without-dimensions",
            "https://developer.chrome.com/docs/lighthouse/performance/unsized-images",
        ),
    ),
)
def image_dimensions(page: Page, ctx: CheckContext) -> Result:
    """One failure per image without both width and height attributes."""
    failures: list[Failed] = []
    for image in unique_images(page):
        missing = [name for name in ("width", "height") if not getattr(image, name)]
        if missing and image.src and not image.src.startswith("data:"):
            failures.append(
                failed(
                    f"The image {short_src(image)} has no {' or '.join(missing)} attribute.",
                    evidence=f"width={image.width!r} height={image.height!r}",
                    locator=f'img[src="{short_src(image)}"]',
                )
            )
    return failures[:MAX_FINDINGS] or passed()
