"""`inline-script-large`: inline scripts are small."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="inline-script-large",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="Inline scripts are small",
    failure_title="Page has large inline scripts",
    docs=Docs(
        what="Adds up the bytes of the page's inline JavaScript (JSON-LD and other data "
        "blocks excluded) and compares the total with `max_kb`, default 50 KB.",
        why="Inline code cannot be cached: every page view downloads and parses it again, "
        "and large blobs (serialised app state, bundled libraries) delay the first render.",
        fix="Move large inline code to an external, cacheable, deferred file; keep inline "
        "only small bootstrap snippets.",
        references=(
            "https://web.dev/articles/optimizing-content-efficiency-javascript-startup-optimization",
            "https://developer.chrome.com/docs/lighthouse/performance/bootup-time",
        ),
    ),
    options={"max_kb": Option(50, "Largest total of inline script, in kilobytes, that passes.")},
)
def inline_script_large(page: Page, ctx: CheckContext) -> Result:
    """Fails when inline scripts total more than `max_kb` kilobytes."""
    sizes = [s.inline_bytes for s in page.scripts if s.src is None]
    total = sum(sizes)
    limit = ctx.int_option("max_kb")
    if total > limit * 1000:
        return failed(
            f"Inline scripts total {total / 1000:,.0f} KB (more than {limit} KB).",
            evidence=f"{len(sizes)} inline script(s), largest {max(sizes)} bytes",
        )
    return passed()
