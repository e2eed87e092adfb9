"""`canonical-chain`: a canonical URL is itself canonical."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.crawlability._canonical_targets import canonical_targets
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="canonical-chain",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Canonical URLs point straight to the preferred page",
    failure_title="Canonical URL points to a page with a different canonical",
    docs=Docs(
        what="Follows each page's canonical URL to the crawled page it names and reports "
        "targets that declare yet another canonical URL (A -> B -> C, or a loop back to A).",
        why="Search engines do not reliably follow canonical chains; the intended page may "
        "lose the consolidated signals, and a loop cancels them altogether.",
        fix="Point every page's canonical directly at the final preferred URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def canonical_chain(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose canonical target canonicalises elsewhere."""
    for page, target in canonical_targets(site):
        onward = target.canonical
        if onward is None or onward in {target.url, target.final_url} or target.is_broken:
            continue
        yield failed(
            f"The canonical URL {target.url} names another canonical, {onward}.",
            evidence=f"{page.url} -> {target.url} -> {onward}",
            locator=target.url,
            url=page.url,
        )
