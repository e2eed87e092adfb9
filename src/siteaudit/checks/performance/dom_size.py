"""`dom-size`: the page has a manageable number of elements."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="dom-size",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="DOM has a manageable number of elements",
    failure_title="DOM is very large",
    docs=Docs(
        what="Compares the number of elements in the parsed document with `max_nodes`, "
        "default 1,400, where Lighthouse's dom-size audit turns from a warning (from about "
        "800 elements) into an error.",
        why="Every element costs memory and time in style calculation and layout, on load "
        "and on every interaction; large DOMs make pages janky on mid-range phones.",
        fix="Render long lists and tables on demand (pagination or virtualisation), remove "
        "hidden markup such as duplicate mobile menus, and flatten wrapper elements.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/dom-size",
            "https://web.dev/articles/dom-size-and-interactivity",
        ),
    ),
    options={"max_nodes": Option(1400, "Most elements a page may have and pass.")},
)
def dom_size(page: Page, ctx: CheckContext) -> Result:
    """Fails when the document has more than `max_nodes` elements."""
    limit = ctx.int_option("max_nodes")
    if page.dom_nodes > limit:
        return failed(
            f"The page has {page.dom_nodes:,} elements (more than {limit:,}).",
            evidence=f"{page.dom_nodes} elements, depth {page.dom_depth}",
        )
    return passed()
