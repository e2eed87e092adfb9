"""`image-alt-generic`: alt text says more than "image"."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.checks.images._alt import short_src, unique_images
from siteaudit.model import Category, Page, Severity

GENERIC = frozenset(
    {
        "image", "img", "picture", "photo", "photograph", "graphic", "icon", "logo", "banner",
        "spacer", "placeholder", "thumbnail", "untitled", "alt", "alt text", "image of",
        "picture of", "photo of", "null", "undefined", "none", "blank",
    }
)  # fmt: skip


@check(
    id="image-alt-generic",
    category=Category.IMAGES,
    severity=Severity.LOW,
    title="Image alt texts are descriptive",
    failure_title="Image alt text is generic",
    docs=Docs(
        what="Reports images whose whole alt text is a generic word such as 'image', "
        "'photo', 'logo', 'icon' or 'spacer' (case-insensitive).",
        why="A generic alt tells a screen-reader user only that there is a picture, which "
        "they already know; axe-core and WebAIM flag the same redundant texts.",
        fix="Describe what the image shows or does ('Acme logo', 'Two-person tent pitched "
        'in snow\'), or use alt="" when it is decorative.',
        references=("https://webaim.org/techniques/alttext/",),
    ),
)
def image_alt_generic(page: Page, ctx: CheckContext) -> Result:
    """One failure per image whose alt text is a generic placeholder word."""
    failures: list[Failed] = [
        failed(
            f"The alt text {image.alt!r} of {short_src(image)} does not describe the image.",
            evidence=image.alt or "",
            locator=f'img[src="{short_src(image)}"]',
        )
        for image in unique_images(page)
        if (image.alt or "").strip().lower().rstrip(".:") in GENERIC
    ]
    return failures or passed()
