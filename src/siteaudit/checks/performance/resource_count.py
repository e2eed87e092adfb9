"""`resource-count`: the page loads a moderate number of subresources."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="resource-count",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="Page loads a moderate number of resources",
    failure_title="Page loads too many resources",
    docs=Docs(
        what="Counts the distinct subresource URLs the HTML references (scripts, "
        "stylesheets, images, iframes, media, preloads, icons) and compares them with "
        "`max_resources`, default 100. Resources added later by scripts or CSS are not "
        "seen. Lighthouse reports the request count without a threshold; the median page "
        "makes about 70 requests (HTTP Archive).",
        why="Each resource costs a request and competes for bandwidth and the browser's "
        "connection slots; long request lists slow the load, especially on mobile.",
        fix="Bundle small scripts and styles, lazy-load images below the fold, use CSS or "
        "SVG sprites for icons, and drop unused third-party tags.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/resource-summary",
            "https://almanac.httparchive.org/en/2022/page-weight",
        ),
    ),
    options={"max_resources": Option(100, "Most subresources a page may reference and pass.")},
)
def resource_count(page: Page, ctx: CheckContext) -> Result:
    """Fails when the page references more than `max_resources` subresources."""
    limit = ctx.int_option("max_resources")
    count = len(page.resources)
    if count > limit:
        kinds: dict[str, int] = {}
        for resource in page.resources:
            kinds[resource.kind] = kinds.get(resource.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        return failed(f"The page references {count} resources (more than {limit}).", summary)
    return passed()
