"""What `image-broken` and `resource-broken` say about one subresource that failed."""

from collections.abc import Iterable, Iterator

from siteaudit.checks.base import Failed, failed
from siteaudit.model.site import BrokenResource

# How a message names each kind of `model.page.Resource`.
_KINDS = {
    "image": "the image",
    "script": "the script",
    "stylesheet": "the stylesheet",
    "font": "the font",
    "media": "the media file",
    "iframe": "the frame",
}


def broken_resources(found: Iterable[BrokenResource]) -> Iterator[Failed]:
    """One failure on each page for each of its subresources in `found`."""
    for resource in found:
        if resource.status is not None:
            answer = f"answered HTTP {resource.status}"
        else:
            answer = f"could not be loaded ({resource.error_code or 'no response'})"
        what = _KINDS.get(resource.kind, "the resource")
        yield failed(
            f"The page loads {what} {resource.target}, which {answer}.",
            evidence=f"{resource.target} {answer} ({resource.kind})",
            locator=resource.target,
            url=resource.page,
        )
