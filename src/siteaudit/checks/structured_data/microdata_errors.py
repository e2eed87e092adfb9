"""`microdata-errors`: microdata properties belong to items, and items name a type."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="microdata-errors",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="Microdata is well formed",
    failure_title="Microdata has structural errors",
    docs=Docs(
        what="Reports itemprop attributes outside any itemscope, and top-level itemscope "
        "elements without an itemtype.",
        why="A property outside an item belongs to nothing and is dropped; an item without a "
        "type cannot be matched to any rich result.",
        fix="Put each itemprop inside the element carrying itemscope, and give each top-level "
        "item an itemtype such as https://schema.org/Product.",
        references=("https://html.spec.whatwg.org/multipage/microdata.html",),
    ),
)
def microdata_errors(page: Page, ctx: CheckContext) -> Result:
    """One failure per microdata error found at extraction."""
    errors = [e for e in page.structured_data_errors if e.startswith("microdata:")]
    return [failed(f"Microdata: {e.removeprefix('microdata: ')}.", evidence=e) for e in errors] or (
        passed()
    )
