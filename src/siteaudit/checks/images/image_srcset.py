"""`image-srcset`: large images offer smaller versions to small screens."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Failed,
    Option,
    Result,
    check,
    failed,
    passed,
)
from siteaudit.checks.images._alt import file_name, short_src, unique_images
from siteaudit.model import Category, Page, Severity


@check(
    id="image-srcset",
    category=Category.IMAGES,
    severity=Severity.LOW,
    title="Large images are responsive",
    failure_title="Large image has no srcset",
    docs=Docs(
        what="Reports raster images whose width attribute is at least `min_width` pixels and "
        "that have no srcset. Images without a width attribute, SVGs and images inside "
        "<picture> with their own sources cannot be judged from the HTML and are left alone.",
        why="A phone downloads the full desktop-size file when no smaller candidate is "
        "offered: several times the bytes it can display, on the slowest connections.",
        fix="Add srcset with a few widths (e.g. 480w, 960w, 1600w) and a sizes attribute.",
        references=(
            "https://developer.mozilla.org/en-US/docs/Learn/HTML/Multimedia_and_embedding/Responsive_images",
        ),
    ),
    options={
        "min_width": Option(800, "Width attribute, in pixels, from which srcset is expected.")
    },
)
def image_srcset(page: Page, ctx: CheckContext) -> Result:
    """One failure per wide raster image without srcset."""
    limit = ctx.int_option("min_width")
    failures: list[Failed] = []
    for image in unique_images(page):
        width = (image.width or "").strip().removesuffix("px")
        if image.srcset or not width.isdigit() or int(width) < limit:
            continue
        if file_name(image.src).endswith(".svg") or image.src.startswith("data:"):
            continue
        failures.append(
            failed(
                f"The image {short_src(image)} is {width} pixels wide and has no srcset.",
                evidence=f'width="{image.width}"',
                locator=f'img[src="{short_src(image)}"]',
            )
        )
    return failures or passed()
