"""`x-xss-protection`: the retired XSS auditor is not switched on."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="x-xss-protection",
    category=Category.SECURITY,
    severity=Severity.INFO,
    title="X-XSS-Protection is off or absent",
    failure_title="X-XSS-Protection turns on the retired XSS auditor",
    docs=Docs(
        what="Fails when the X-XSS-Protection header enables the filter (a value starting "
        "with 1). Absent or `0` passes.",
        why="Current browsers have removed the XSS auditor; in those that still honour it, "
        "the filter could be abused to disable scripts selectively or leak data across "
        "origins. MDN and OWASP recommend `0` or no header, and a Content Security Policy "
        "instead.",
        fix="Remove the header (or send `X-XSS-Protection: 0`) and rely on a Content "
        "Security Policy.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/X-XSS-Protection",
            "https://owasp.org/www-project-secure-headers/#x-xss-protection",
        ),
    ),
)
def x_xss_protection(page: Page, ctx: CheckContext) -> Result:
    """Fails when X-XSS-Protection is 1 (with or without mode=block)."""
    value = page.header("x-xss-protection")
    if value is not None and value.strip().startswith("1"):
        return failed(
            "X-XSS-Protection enables the deprecated XSS filter.",
            evidence=f"X-XSS-Protection: {value}",
        )
    return passed()
