"""`image-format`: images use formats made for the web."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.checks.images._alt import file_name, short_src, unique_images
from siteaudit.model import Category, Page, Severity

LEGACY_EXTENSIONS = (".bmp", ".tif", ".tiff")


@check(
    id="image-format",
    category=Category.IMAGES,
    severity=Severity.MEDIUM,
    title="Images use web formats",
    failure_title="Image uses a format unsuited to the web",
    docs=Docs(
        what="Reports images whose file name ends in .bmp, .tif or .tiff. It judges by the "
        "URL only: a large PNG or JPEG that would be smaller as WebP/AVIF cannot be known "
        "without downloading it (Lighthouse's modern-image-formats audit does that in a "
        "browser), and GIF is left alone because it may be an animation.",
        why="BMP and TIFF are uncompressed or barely compressed: they are many times larger "
        "than the same picture in JPEG, WebP or AVIF, and TIFF does not display in most "
        "browsers at all.",
        fix="Convert the image to WebP or AVIF (with a JPEG/PNG fallback through <picture> "
        "if needed).",
        references=("https://web.dev/articles/choose-the-right-image-format",),
    ),
)
def image_format(page: Page, ctx: CheckContext) -> Result:
    """One failure per BMP or TIFF image."""
    failures: list[Failed] = [
        failed(
            f"The image {short_src(image)} is a {file_name(image.src).rsplit('.', 1)[-1].upper()} "
            "file.",
            evidence=image.src,
            locator=f'img[src="{short_src(image)}"]',
        )
        for image in unique_images(page)
        if file_name(image.src).endswith(LEGACY_EXTENSIONS)
    ]
    return failures or passed()
