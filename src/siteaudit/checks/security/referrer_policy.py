"""`referrer-policy`: the page does not leak full URLs to other sites."""

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

UNSAFE = frozenset({"unsafe-url", "no-referrer-when-downgrade", "always"})
KNOWN = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
        "always",  # legacy keyword browsers map to unsafe-url
    }
)


@check(
    id="referrer-policy",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Referrer policy keeps full URLs private",
    failure_title="Referrer policy sends full URLs to other sites",
    docs=Docs(
        what="Reads the Referrer-Policy header and <meta name=referrer>; the last policy "
        "the browser recognises wins. Fails on unsafe-url or no-referrer-when-downgrade, "
        "which send the full URL (path and query) to every other site. A missing policy "
        "passes by default, because browsers now default to strict-origin-when-cross-origin "
        "and the MDN HTTP Observatory does not deduct for it; set `require_policy` to make "
        "a missing policy fail too.",
        why="URLs often carry private data (search terms, reset tokens, order numbers); an "
        "unsafe policy hands them to every third party the page links to or loads from.",
        fix="Send Referrer-Policy: strict-origin-when-cross-origin (or stricter, such as "
        "same-origin or no-referrer).",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Referrer-Policy",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
    options={
        "require_policy": Option(False, "Fail pages that set no referrer policy at all."),
    },
)
def referrer_policy(page: Page, ctx: CheckContext) -> Result:
    """Fails when the effective policy is unsafe (or missing, if `require_policy`)."""
    header = page.header("referrer-policy") or ""
    meta = page.meta.get("referrer") or ""
    tokens = [t.strip().lower() for t in f"{header},{meta}".split(",")]
    known = [t for t in tokens if t in KNOWN]
    shown = f"Referrer-Policy: {header}" if header else f'<meta name="referrer" content="{meta}">'
    if not known:
        if ctx.option("require_policy"):
            return failed("The page sets no referrer policy.")
        return passed()
    if known[-1] in UNSAFE:
        return failed(
            f"The referrer policy {known[-1]!r} sends the full URL to other sites.",
            evidence=shown,
        )
    return passed()
