"""`internal-link-redirect`: internal links point at final URLs, not redirects."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="internal-link-redirect",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="Internal links point at final URLs",
    failure_title="Page links to a URL that redirects",
    docs=Docs(
        what="Follows every internal link of the crawl to the page it targets and reports, "
        "on the linking page, each target that redirected to another URL.",
        why="Each redirect costs visitors a round trip before the page starts loading and "
        "costs search engines a fetch; links to redirects also dilute the signal of which "
        "URL is canonical.",
        fix="Update the link to the redirect's final URL (shown in the evidence).",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/301-redirects",
            "https://developer.chrome.com/docs/lighthouse/performance/redirects",
        ),
    ),
)
def internal_link_redirect(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (source page, redirecting target) pair, reported on the source page."""
    redirecting = {
        page.url: page
        for page in site.pages
        if page.redirect_hops != 0 or page.final_url != page.url
    }
    seen: set[tuple[str, str]] = set()
    for link in site.links_to(redirecting):
        target = redirecting[link.target]
        if (link.source, link.target) in seen:
            continue
        seen.add((link.source, link.target))
        yield failed(
            f"The page links to {link.target}, which redirects to {target.final_url}.",
            evidence=f"{link.target} -> {target.final_url}",
            locator=link.target,
            url=link.source,
        )
