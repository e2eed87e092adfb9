"""`frame-protection`: other sites cannot frame the page."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

SAFE_FRAME_OPTIONS = frozenset({"deny", "sameorigin"})


@check(
    id="frame-protection",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Page cannot be framed by other sites",
    failure_title="Page can be framed by any site",
    docs=Docs(
        what="Looks for a Content-Security-Policy header with a frame-ancestors directive, "
        "or an X-Frame-Options header of DENY or SAMEORIGIN. frame-ancestors in a <meta> "
        "policy is ignored by browsers and does not count.",
        why="A page that any site can load in a frame can be overlaid with a decoy "
        "(clickjacking) so that visitors click buttons they cannot see.",
        fix="Send Content-Security-Policy: frame-ancestors 'self' (or 'none'), and "
        "X-Frame-Options: SAMEORIGIN for older browsers.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/frame-ancestors",
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/X-Frame-Options",
        ),
    ),
)
def frame_protection(page: Page, ctx: CheckContext) -> Result:
    """Fails unless frame-ancestors or a valid X-Frame-Options restricts framing."""
    policy = page.header("content-security-policy") or ""
    directives = {part.strip().split(" ", 1)[0].lower() for part in policy.split(";")}
    if "frame-ancestors" in directives:
        return passed()
    frame_options = page.header("x-frame-options")
    if frame_options is None:
        return failed("The page sends neither X-Frame-Options nor CSP frame-ancestors.")
    if frame_options.strip().lower() not in SAFE_FRAME_OPTIONS:
        return failed(
            "X-Frame-Options has a value browsers do not honour (use DENY or SAMEORIGIN).",
            evidence=f"X-Frame-Options: {frame_options}",
        )
    return passed()
