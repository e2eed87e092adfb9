"""Shared helpers for the image checks."""

from siteaudit.model import Page
from siteaudit.model.page import Image


def short_src(image: Image) -> str:
    """The image's source, shortened for a locator or evidence."""
    return image.src[:200] or "(no src)"


def file_name(src: str) -> str:
    """The last path segment of an image URL, without query string or fragment."""
    return src.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()


def unique_images(page: Page) -> list[Image]:
    """The page's images, once per (src, alt).

    A logo repeated in header and footer is one finding, and findings keep unique
    fingerprints (check, URL, locator).
    """
    seen: set[tuple[str, str | None]] = set()
    images = []
    for image in page.images:
        if (image.src, image.alt) not in seen:
            seen.add((image.src, image.alt))
            images.append(image)
    return images
