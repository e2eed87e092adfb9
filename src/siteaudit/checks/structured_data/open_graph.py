"""`open-graph`: the page defines the Open Graph tags a share card needs."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity

REQUIRED = ("og:title", "og:type", "og:image", "og:url")


@check(
    id="open-graph",
    category=Category.STRUCTURED_DATA,
    severity=Severity.LOW,
    title="Open Graph tags are complete",
    failure_title="Open Graph tags are missing",
    docs=Docs(
        what="Requires the four properties the Open Graph protocol calls required: og:title, "
        "og:type, og:image and og:url (as <meta property=...>).",
        why="Social networks and chat apps build link previews from Open Graph; without it "
        "they guess a title and often show no image, and shared links get fewer clicks.",
        fix='Add the missing <meta property="og:..." content="..."> tags to the <head>.',
        references=("https://ogp.me/",),
    ),
)
def open_graph(page: Page, ctx: CheckContext) -> Result:
    """Fails listing the required og: properties that are absent or empty."""
    if page.status != 200:
        return not_applicable()
    missing = [name for name in REQUIRED if not page.meta.get(name)]
    if not missing:
        return passed()
    present = [name for name in REQUIRED if name not in missing]
    return failed(
        f"The page lacks Open Graph {', '.join(missing)}.",
        evidence=f"present: {', '.join(present) or 'none'}",
    )
