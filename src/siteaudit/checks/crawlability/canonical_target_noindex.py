"""`canonical-target-noindex`: canonical URLs may be indexed."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.crawlability._canonical_targets import canonical_targets
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="canonical-target-noindex",
    category=Category.CRAWLABILITY,
    severity=Severity.HIGH,
    title="Canonical URLs are indexable",
    failure_title="Canonical URL is marked noindex",
    docs=Docs(
        what="Follows each page's canonical URL to the crawled page it names and reports "
        "targets marked noindex.",
        why="The page defers to a URL that in turn refuses to be indexed, so neither may "
        "appear in search results. Google calls mixing the two signals a mistake.",
        fix="Point the canonical at an indexable URL, or remove noindex from the target.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
            "https://developers.google.com/search/docs/crawling-indexing/block-indexing",
        ),
    ),
)
def canonical_target_noindex(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose canonical target is noindex."""
    for page, target in canonical_targets(site):
        if target.noindex and not target.is_broken:
            yield failed(
                f"The canonical URL {target.url} is marked noindex.",
                evidence=f"{target.url}: noindex",
                locator=target.url,
                url=page.url,
            )
