"""`image-size-large`: the images a page shows are not heavy files."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.report import RESOURCES
from siteaudit.model.site import LARGE_IMAGE_BYTES, Site


@site_check(
    id="image-size-large",
    category=Category.IMAGES,
    severity=Severity.MEDIUM,
    title="Images are light files",
    failure_title="Page shows an image larger than 100 KB",
    docs=Docs(
        what="Reads the size each image the crawled pages load announced (Content-Length) "
        "when the resource checks asked it, once the crawl ends, and reports, on each page, "
        "every image over 100 KB; an image the crawl fetched as a page (linked as well) is "
        "judged by the length its crawl answer announced. An image whose server announces "
        "no length (a chunked answer) is not judged. Images on other "
        "hosts are judged when the external links are checked. `--no-resources` turns "
        "these checks off, and the check is then not applicable.",
        why="Images are most of the bytes of most pages: a heavy one delays the largest "
        "contentful paint, costs visitors on mobile data, and slows every page that shows it.",
        fix="Serve the image at the size it is displayed, in WebP or AVIF, compressed "
        "(quality 75-85 is rarely told apart), with srcset for the screens that need more.",
        references=("https://web.dev/articles/serve-images-webp",),
    ),
    needs=(RESOURCES,),
)
def image_size_large(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (page, image URL) whose answer announced more than 100 KB."""
    for image in site.large_images:
        kb = image.size / 1024
        yield failed(
            f"The page shows the image {image.target}, a {kb:,.0f} KB file (more than"
            f" {LARGE_IMAGE_BYTES // 1024} KB).",
            evidence=f"{image.target}: {image.size:,} bytes",
            locator=image.target,
            url=image.page,
        )
