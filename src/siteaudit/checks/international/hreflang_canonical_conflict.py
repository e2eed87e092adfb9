"""`hreflang-canonical-conflict`: pages in an hreflang set are their own canonical."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="hreflang-canonical-conflict",
    category=Category.INTERNATIONAL,
    severity=Severity.HIGH,
    title="hreflang and canonical agree",
    failure_title="Page with hreflang is canonicalised elsewhere",
    docs=Docs(
        what="Fails when a page carries hreflang annotations but its rel=canonical points "
        "to another URL.",
        why="hreflang must join canonical URLs. A canonical to another page (often every "
        "language canonicalised to the English one) tells search engines to drop this "
        "version, and its hreflang set with it.",
        fix="Make each language version canonical to itself, and list the others with hreflang.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_canonical_conflict(page: Page, ctx: CheckContext) -> Result:
    """Fails when the first canonical differs from the page's own URL."""
    if not page.hreflangs or not page.canonicals:
        return not_applicable()
    canonical = page.canonicals[0]
    if canonical in {page.url, page.final_url}:
        return passed()
    return failed(
        f"The page has hreflang annotations but its canonical is {canonical}.",
        evidence=f'<link rel="canonical" href="{canonical}">',
    )
