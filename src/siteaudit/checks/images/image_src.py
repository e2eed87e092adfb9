"""`image-src`: every image element names a source."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="image-src",
    category=Category.IMAGES,
    severity=Severity.MEDIUM,
    title="Images have a source",
    failure_title="Image has an empty or missing src",
    docs=Docs(
        what="Reports <img> elements with neither a src nor a srcset (lazy-loading scripts "
        "that keep the URL in data-src are included: without JavaScript nothing shows).",
        why="An image without a source shows a broken-image icon or nothing at all, and "
        "crawlers that do not run JavaScript never see the picture.",
        fix="Set src to the image URL; with a lazy-loading library, prefer the native "
        'loading="lazy" attribute so the real URL is in the HTML.',
        references=("https://developer.mozilla.org/en-US/docs/Web/HTML/Element/img#src",),
    ),
)
def image_src(page: Page, ctx: CheckContext) -> Result:
    """Fails once, counting the images that have no source."""
    empty = [image for image in page.images if not image.src and not image.srcset]
    if not empty:
        return passed()
    return failed(
        f"{len(empty)} image(s) on the page have no src.",
        evidence=f"alt={empty[0].alt!r}" if empty[0].alt else "<img> without src",
        locator="img:not([src])",
    )
