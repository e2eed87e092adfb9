"""`rdfa-errors`: RDFa properties have a vocabulary or a typed item around them."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="rdfa-errors",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="RDFa is well formed",
    failure_title="RDFa property has no vocabulary",
    docs=Docs(
        what="Reports RDFa Lite `property` attributes in the body with no `vocab` or "
        "`typeof` on the element or an ancestor. Prefixed properties such as og:title use "
        "RDFa's initial context and are not reported; neither are <meta> elements.",
        why="Without a vocabulary the property name cannot be resolved to schema.org, so "
        "parsers drop it.",
        fix='Add vocab="https://schema.org/" and typeof="Type" on the element that wraps '
        "the item's properties.",
        references=("https://www.w3.org/TR/rdfa-lite/",),
    ),
)
def rdfa_errors(page: Page, ctx: CheckContext) -> Result:
    """One failure per RDFa error found at extraction."""
    errors = [e for e in page.structured_data_errors if e.startswith("rdfa:")]
    return [failed(f"RDFa: {e.removeprefix('rdfa: ')}.", evidence=e) for e in errors] or passed()
