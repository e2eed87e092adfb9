"""`content-duplicate`: indexable pages do not serve byte-identical content."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.content._indexable import is_indexable
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="content-duplicate",
    category=Category.CONTENT,
    severity=Severity.HIGH,
    title="Indexable pages have unique content",
    failure_title="Page duplicates another page exactly",
    docs=Docs(
        what="Groups indexable pages (200, HTML, not noindex, their own canonical) by the "
        "hash of their body and reports every page after the first of each group.",
        why="Identical pages split links and ranking signals between URLs, waste crawl "
        "budget, and let the search engine pick which URL to show.",
        fix="Redirect the duplicates to one URL, or point their rel=canonical at it; fix the "
        "cause (parameters, trailing slashes, http/https or www variants).",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def content_duplicate(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per duplicate page, naming the first page with the same content."""
    first_by_hash: dict[str, str] = {}
    for page in site.pages:
        if not page.content_hash or not is_indexable(page):
            continue
        original = first_by_hash.setdefault(page.content_hash, page.url)
        if original != page.url:
            yield failed(
                f"The page has exactly the same content as {original}.",
                evidence=f"sha256 {page.content_hash[:16]}... also served by {original}",
                locator=original,
                url=page.url,
            )
