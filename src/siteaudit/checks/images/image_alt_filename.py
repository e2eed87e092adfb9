"""`image-alt-filename`: alt text describes the image instead of naming its file."""

import re

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.checks.images._alt import file_name, short_src, unique_images
from siteaudit.model import Category, Page, Severity

FILE_NAME = re.compile(r"^[\w.\-]+\.(jpe?g|png|gif|webp|avif|svg|bmp|tiff?|ico)$", re.IGNORECASE)
CAMERA_NAME = re.compile(r"^(img|dsc|dscn|pxl|screenshot)[\s_\-]?\d+", re.IGNORECASE)


@check(
    id="image-alt-filename",
    category=Category.IMAGES,
    severity=Severity.MEDIUM,
    title="Image alt texts are not file names",
    failure_title="Image alt text is a file name",
    docs=Docs(
        what="Reports images whose alt text looks like a file name (`tent-photo.jpg`), a "
        "camera name (`IMG_1234`, `DSC0042`) or equals the image's own file name.",
        why="CMSs often fill alt with the uploaded file's name; a screen reader then reads "
        "'i m g underscore one two three four' and search engines learn nothing.",
        fix='Write what the image shows or does, or alt="" for a purely decorative image.',
        references=("https://www.w3.org/WAI/tutorials/images/",),
    ),
)
def image_alt_filename(page: Page, ctx: CheckContext) -> Result:
    """One failure per image whose alt text is a file name."""
    failures: list[Failed] = []
    for image in unique_images(page):
        alt = (image.alt or "").strip()
        if not alt:
            continue
        own = file_name(image.src)
        if FILE_NAME.match(alt) or CAMERA_NAME.match(alt) or alt.lower() == own:
            failures.append(
                failed(
                    f"The alt text {alt!r} of {short_src(image)} is a file name.",
                    evidence=alt,
                    locator=f'img[src="{short_src(image)}"]',
                )
            )
    return failures or passed()
