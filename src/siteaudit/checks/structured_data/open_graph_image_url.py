"""`open-graph-image-url`: og:image is an absolute http(s) URL."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="open-graph-image-url",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="Open Graph image URL is absolute",
    failure_title="Open Graph image URL is not absolute",
    docs=Docs(
        what="Checks that og:image (when present) starts with https:// or http://.",
        why="Open Graph values are not resolved against the page: a relative og:image such "
        "as /img/card.png is fetched from nowhere, and the share card has no picture.",
        fix="Write the full URL, e.g. https://example.com/img/card.png.",
        references=("https://ogp.me/#structured",),
    ),
)
def open_graph_image_url(page: Page, ctx: CheckContext) -> Result:
    """Fails when og:image is relative or uses another scheme."""
    image = page.meta.get("og:image")
    if not image:
        return not_applicable()
    if image.lower().startswith(("https://", "http://")):
        return passed()
    return failed(f"og:image {image!r} is not an absolute URL.", evidence=image)
