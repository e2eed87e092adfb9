"""`hsts-subdomains`: HSTS covers the site's subdomains too."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="hsts-subdomains",
    category=Category.SECURITY,
    severity=Severity.INFO,
    title="HSTS includes subdomains",
    failure_title="HSTS does not include subdomains",
    docs=Docs(
        what="On https pages that send Strict-Transport-Security, looks for the "
        "includeSubDomains directive. Pages without HSTS are the `hsts` check's.",
        why="Without includeSubDomains an attacker can use a plain-http subdomain to set "
        "cookies for the parent domain, and the site cannot join the browsers' HSTS "
        "preload list, which requires it.",
        fix="Once every subdomain serves https, add includeSubDomains (and then consider "
        "preload) to the Strict-Transport-Security header.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Strict-Transport-Security",
            "https://hstspreload.org/",
        ),
    ),
)
def hsts_subdomains(page: Page, ctx: CheckContext) -> Result:
    """Fails when the HSTS header lacks includeSubDomains; N/A without HSTS."""
    value = page.header("strict-transport-security")
    if not page.is_https or value is None:
        return not_applicable()
    directives = {part.strip().lower() for part in value.split(";")}
    if "includesubdomains" in directives:
        return passed()
    return failed(
        "Strict-Transport-Security does not include subdomains.",
        evidence=f"Strict-Transport-Security: {value}",
    )
