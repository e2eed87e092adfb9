"""`hreflang-x-default`: an hreflang set names a default version."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="hreflang-x-default",
    category=Category.INTERNATIONAL,
    severity=Severity.LOW,
    title="hreflang set has an x-default",
    failure_title="hreflang set has no x-default",
    docs=Docs(
        what='On pages with hreflang annotations, requires one with hreflang="x-default".',
        why="x-default tells search engines which version to show users whose language "
        "matches none of the alternates (often a language chooser or the English site). "
        "Google recommends it; it is not required, hence the low severity.",
        fix='Add <link rel=alternate hreflang="x-default" href="..."> to every page of the set.',
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions#xdefault",
        ),
    ),
)
def hreflang_x_default(page: Page, ctx: CheckContext) -> Result:
    """Fails when the hreflang set has no x-default entry."""
    if not page.hreflangs:
        return not_applicable()
    if any(a.lang.lower() == "x-default" for a in page.hreflangs):
        return passed()
    return failed(
        "The hreflang set has no x-default.",
        evidence=", ".join(a.lang for a in page.hreflangs[:10]),
    )
