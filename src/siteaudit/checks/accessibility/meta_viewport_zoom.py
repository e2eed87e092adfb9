"""`meta-viewport-zoom`: the viewport lets people zoom."""

import re

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity

# A pair starts where a word starts: without the lookbehind, a long run of word characters
# with no "=" was scanned again from each of its positions (40,000 took 13 s).
_PAIR = re.compile(r"(?<![\w-])([\w-]+)\s*=\s*([^,;\s]+)")


@check(
    id="meta-viewport-zoom",
    category=Category.ACCESSIBILITY,
    severity=Severity.HIGH,
    title="Viewport allows zooming",
    failure_title="Viewport blocks zooming",
    docs=Docs(
        what="Reads <meta name=viewport> and fails when it sets user-scalable=no (or 0) or a "
        "maximum-scale below 2 (axe-core's meta-viewport rule; Lighthouse uses 5 for its "
        "own audit).",
        why="People with low vision pinch-zoom to read; blocking it makes the page unusable "
        "for them (WCAG 1.4.4 Resize text). iOS ignores the block, Android browsers do not.",
        fix="Remove user-scalable and maximum-scale from the viewport: "
        "`width=device-width, initial-scale=1` is enough.",
        references=("https://dequeuniversity.com/rules/axe/4.8/meta-viewport",),
    ),
)
def meta_viewport_zoom(page: Page, ctx: CheckContext) -> Result:
    """Fails when the viewport disables zoom or caps it below 2x."""
    if page.viewport is None:
        return not_applicable()
    settings = {k.lower(): v.lower() for k, v in _PAIR.findall(page.viewport)}
    if settings.get("user-scalable") in {"no", "0"}:
        return failed("The viewport sets user-scalable=no.", evidence=page.viewport)
    try:
        maximum = float(settings.get("maximum-scale", "10"))
    except ValueError:
        return passed()
    if maximum < 2:
        return failed(f"The viewport caps zoom at {maximum:g}x.", evidence=page.viewport)
    return passed()
