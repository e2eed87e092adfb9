"""`dom-depth`: elements are not nested excessively deep."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="dom-depth",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="DOM is not deeply nested",
    failure_title="DOM is nested very deep",
    docs=Docs(
        what="Compares the deepest element nesting (<html> is depth 1) with `max_depth`, "
        "default 32, the depth Lighthouse's DOM-size guidance flags.",
        why="Deep trees make style recalculation and layout more expensive and usually "
        "come from wrapper-heavy components or page builders.",
        fix="Flatten the markup: remove wrapper elements that only exist for styling, and "
        "use CSS grid or flexbox instead of nested containers.",
        references=("https://developer.chrome.com/docs/lighthouse/performance/dom-size",),
    ),
    options={"max_depth": Option(32, "Deepest element nesting that passes.")},
)
def dom_depth(page: Page, ctx: CheckContext) -> Result:
    """Fails when elements are nested deeper than `max_depth`."""
    limit = ctx.int_option("max_depth")
    if page.dom_depth > limit:
        return failed(
            f"Elements are nested {page.dom_depth} levels deep (more than {limit}).",
            evidence=f"depth {page.dom_depth}",
        )
    return passed()
