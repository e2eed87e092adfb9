"""`csp`: the page sets a Content Security Policy."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="csp",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Page sets a Content Security Policy",
    failure_title="Page has no Content Security Policy",
    docs=Docs(
        what="Looks for a Content-Security-Policy response header, or a <meta "
        'http-equiv="Content-Security-Policy"> element. A Report-Only policy does not '
        "count: it enforces nothing.",
        why="A CSP limits where scripts, styles and other resources may load from, the "
        "strongest defence in depth against cross-site scripting and injected content.",
        fix="Start with a strict policy in Content-Security-Policy-Report-Only, fix what it "
        "reports, then send it as Content-Security-Policy (for example default-src 'self').",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/CSP",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def csp(page: Page, ctx: CheckContext) -> Result:
    """Fails when neither the header nor a meta element sets an enforced policy."""
    if page.header("content-security-policy") or page.meta.get("content-security-policy"):
        return passed()
    report_only = page.header("content-security-policy-report-only")
    if report_only:
        return failed(
            "The page only sends a report-only Content Security Policy, which blocks nothing.",
            evidence=f"Content-Security-Policy-Report-Only: {report_only}",
        )
    return failed("The page sends no Content-Security-Policy header.")
