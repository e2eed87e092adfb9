"""`canonical-target-broken`: canonical URLs lead to working pages."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.crawlability._canonical_targets import canonical_targets
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="canonical-target-broken",
    category=Category.CRAWLABILITY,
    severity=Severity.HIGH,
    title="Canonical URLs lead to working pages",
    failure_title="Canonical URL is broken",
    docs=Docs(
        what="Follows each page's canonical URL to the crawled page it names and reports "
        "those that answered 4xx/5xx or could not be fetched. The crawl fetches canonical "
        "URLs even when no page links to them; those outside the scan's scope or limits "
        "(another host, past the page limit) are not judged.",
        why="A canonical asks search engines to index the target instead of this page. If "
        "the target is broken, Google ignores the hint at best; at worst the page drops "
        "out while the preferred URL cannot be indexed either.",
        fix="Point the canonical at a live URL, usually the page's own preferred URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
            "https://developers.google.com/search/docs/crawling-indexing/canonicalization-troubleshooting",
        ),
    ),
)
def canonical_target_broken(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose canonical target is broken."""
    for page, target in canonical_targets(site):
        if target.is_broken:
            answer = f"HTTP {target.status}" if target.status else target.error_code or "no answer"
            yield failed(
                f"The canonical URL {target.url} answered {answer}.",
                evidence=f'<link rel="canonical" href="{target.url}"> -> {answer}',
                locator=target.url,
                url=page.url,
            )
