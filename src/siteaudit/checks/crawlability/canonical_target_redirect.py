"""`canonical-target-redirect`: canonical URLs are final URLs."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.crawlability._canonical_targets import canonical_targets, is_redirect
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="canonical-target-redirect",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Canonical URLs do not redirect",
    failure_title="Canonical URL redirects",
    docs=Docs(
        what="Follows each page's canonical URL to the crawled page it names and reports "
        "those that redirected to another URL.",
        why="The canonical and the redirect point to different URLs, two conflicting "
        "signals; search engines may pick either, and each crawl costs an extra fetch.",
        fix="Set the canonical to the redirect's final URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def canonical_target_redirect(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose canonical target redirects."""
    for page, target in canonical_targets(site):
        if is_redirect(target) and not target.is_broken:
            yield failed(
                f"The canonical URL {target.url} redirects to {target.final_url}.",
                evidence=f"{target.url} -> {target.final_url}",
                locator=target.url,
                url=page.url,
            )
