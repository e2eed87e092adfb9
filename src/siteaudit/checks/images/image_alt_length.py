"""`image-alt-length`: alternative texts are short enough to be read comfortably."""

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
from siteaudit.checks.images._alt import short_src, unique_images
from siteaudit.model import Category, Page, Severity


@check(
    id="image-alt-length",
    category=Category.IMAGES,
    severity=Severity.LOW,
    title="Image alt texts are concise",
    failure_title="Image alt text is too long",
    docs=Docs(
        what="Reports each <img> whose alt text is longer than `max_chars` characters.",
        why="Screen readers read alt text in one go and some (JAWS historically) cut it at "
        "about 125 characters; long alts are often keyword stuffing. Screaming Frog and "
        "Sitebulb flag alt text over 100-125 characters.",
        fix="Describe the image's purpose in a sentence; put long descriptions in the page "
        "text or a <figcaption>.",
        references=("https://www.w3.org/WAI/tutorials/images/decision-tree/",),
    ),
    options={"max_chars": Option(125, "Longest alt text, in characters, that passes.")},
)
def image_alt_length(page: Page, ctx: CheckContext) -> Result:
    """One failure per image whose alt text exceeds `max_chars`."""
    limit = ctx.int_option("max_chars")
    failures: list[Failed] = [
        failed(
            f"The alt text of {short_src(image)} is {len(image.alt)} characters; more than "
            f"{limit} is hard to listen to.",
            evidence=image.alt,
            locator=f'img[src="{short_src(image)}"]',
        )
        for image in unique_images(page)
        if image.alt and len(image.alt) > limit
    ]
    return failures or passed()
