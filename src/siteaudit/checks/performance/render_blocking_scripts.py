"""`render-blocking-scripts`: scripts in <head> do not block rendering."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="render-blocking-scripts",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    title="Head scripts do not block rendering",
    failure_title="Page has render-blocking scripts in <head>",
    docs=Docs(
        what="Reports every external <script src> in <head> without async or defer that "
        "is not a module (modules are deferred by default). Inline scripts are not counted.",
        why="The parser stops at such a script until it is downloaded and run, so nothing "
        "below it renders; each one adds a round trip to First Contentful Paint.",
        fix="Add `defer` (keeps order, runs after parsing) or `async` (independent scripts "
        "such as analytics), or move the script to the end of <body>.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/render-blocking-resources",
            "https://developer.mozilla.org/docs/Web/HTML/Element/script#defer",
        ),
    ),
)
def render_blocking_scripts(page: Page, ctx: CheckContext) -> Result:
    """One failure per blocking external script in the head."""
    blocking = [
        s
        for s in page.scripts
        if s.src and s.in_head and not (s.is_async or s.is_defer or s.is_module)
    ]
    if not blocking:
        return passed()
    return [
        failed(
            f"The script {s.src} blocks rendering.",
            evidence=f'<script src="{s.src}">',
            locator=s.src or "",
        )
        for s in blocking
    ]
