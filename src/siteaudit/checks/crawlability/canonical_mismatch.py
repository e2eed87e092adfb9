"""`canonical-mismatch`: the canonical URL is the page itself."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="canonical-mismatch",
    category=Category.CRAWLABILITY,
    severity=Severity.LOW,
    title="Canonical URL is the page's own URL",
    failure_title="Canonical URL points to another page",
    docs=Docs(
        what="Compares every canonical link of the page (normalised) with the page's final "
        "URL after redirects.",
        why="A canonical that points elsewhere asks search engines to drop this page from "
        "the index in favour of the other URL. That is right for true duplicates, but a "
        "page that is linked internally and canonicalised away wastes crawl budget, and a "
        "wrong canonical (a template bug, the home page, http instead of https) removes "
        "real pages from search. Conflicting canonicals are ignored altogether.",
        fix="Point the canonical at the page's own preferred URL, or link internally to the "
        "canonical URL instead of this one.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
        ),
    ),
)
def canonical_mismatch(page: Page, ctx: CheckContext) -> Result:
    """Fails when a canonical URL differs from the final URL; N/A without a canonical."""
    if not page.canonicals:
        return not_applicable()
    own = page.final_url  # normalised by extraction, like the canonicals
    others = [url for url in page.canonicals if url != own]
    if others:
        return failed(
            f"The canonical URL {others[0]} is not the page's own URL {own}.",
            evidence=", ".join(page.canonicals),
            locator=others[0],
        )
    return passed()
