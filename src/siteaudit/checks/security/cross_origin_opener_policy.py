"""`cross-origin-opener-policy`: other sites' windows cannot reach into this page."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

ISOLATING = frozenset({"same-origin", "same-origin-allow-popups", "noopener-allow-popups"})


@check(
    id="cross-origin-opener-policy",
    category=Category.SECURITY,
    severity=Severity.INFO,
    title="Page isolates its browsing context with COOP",
    failure_title="Page has no isolating Cross-Origin-Opener-Policy",
    docs=Docs(
        what="Looks for a Cross-Origin-Opener-Policy header of same-origin, "
        "same-origin-allow-popups or noopener-allow-popups; absent or unsafe-none fails.",
        why="Without COOP a cross-origin window that opened the page, or that the page "
        "opened, keeps a handle to it, which enables cross-site leaks (XS-Leaks) and "
        "tabnabbing, and the page cannot be cross-origin isolated. Lighthouse reports it in "
        "its origin-isolation audit.",
        fix="Send `Cross-Origin-Opener-Policy: same-origin` (or same-origin-allow-popups if "
        "the page opens OAuth or payment popups).",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Cross-Origin-Opener-Policy",
            "https://developer.chrome.com/docs/lighthouse/best-practices/origin-isolation",
            "https://web.dev/articles/why-coop-coep",
        ),
    ),
)
def cross_origin_opener_policy(page: Page, ctx: CheckContext) -> Result:
    """Fails when COOP is absent or unsafe-none."""
    value = page.header("cross-origin-opener-policy")
    policy = (value or "").split(";", 1)[0].strip().lower()
    if policy in ISOLATING:
        return passed()
    if value is None:
        return failed("The page sends no Cross-Origin-Opener-Policy header.")
    return failed(
        "Cross-Origin-Opener-Policy does not isolate the page.",
        evidence=f"Cross-Origin-Opener-Policy: {value}",
    )
