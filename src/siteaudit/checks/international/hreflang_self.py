"""`hreflang-self`: a page with hreflang annotations lists itself too."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="hreflang-self",
    category=Category.INTERNATIONAL,
    severity=Severity.MEDIUM,
    title="hreflang set includes the page itself",
    failure_title="hreflang set has no self-reference",
    docs=Docs(
        what="On pages with hreflang annotations, requires one whose URL is the page itself.",
        why="Google asks every version to list all versions including itself; without the "
        "self-reference the page's own language is undeclared and the set may be ignored.",
        fix='Add <link rel=alternate hreflang="xx" href="(this page\'s URL)"> to the set.',
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_self(page: Page, ctx: CheckContext) -> Result:
    """Fails when no hreflang annotation points at the page's own URL."""
    if not page.hreflangs:
        return not_applicable()
    if any(a.url in {page.url, page.final_url} for a in page.hreflangs):
        return passed()
    listed = ", ".join(f"{a.lang}={a.url}" for a in page.hreflangs[:5])
    return failed("No hreflang annotation points at the page itself.", evidence=listed)
