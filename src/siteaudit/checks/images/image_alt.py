"""`image-alt`: every image has alternative text."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Failed,
    Result,
    check,
    failed,
    not_applicable,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="image-alt",
    category=Category.IMAGES,
    severity=Severity.MEDIUM,
    title="Images have alternative text",
    failure_title="Image has no alt attribute",
    docs=Docs(
        what='Looks at every <img> for an alt attribute. An empty alt (alt="") is '
        "accepted: it marks an image as decorative, which is correct for ornaments.",
        why="Screen readers read the alt text in place of the image (WCAG 1.1.1); without "
        "the attribute many read the file name instead. Search engines use alt text to "
        "understand and rank images.",
        fix='Describe the image\'s content or function in alt="..."; use alt="" for purely '
        "decorative images.",
        references=(
            "https://www.w3.org/WAI/tutorials/images/decision-tree/",
            "https://developers.google.com/search/docs/appearance/google-images",
        ),
    ),
)
def image_alt(page: Page, ctx: CheckContext) -> Result:
    """One failure per distinct image source without an alt attribute; N/A without images."""
    if not page.images:
        return not_applicable()
    failures: list[Failed] = []
    seen: set[str] = set()
    for image in page.images:
        if image.alt is None and image.src not in seen:
            seen.add(image.src)
            failures.append(
                failed(
                    f"The image {image.src or '(no src)'} has no alt attribute.",
                    evidence=f'<img src="{image.src}">',
                    locator=image.src,
                )
            )
    return failures
