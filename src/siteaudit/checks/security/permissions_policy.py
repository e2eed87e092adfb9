"""`permissions-policy`: the page limits which powerful browser features it may use."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="permissions-policy",
    category=Category.SECURITY,
    severity=Severity.INFO,
    title="Page sets a Permissions-Policy",
    failure_title="Page sets no Permissions-Policy",
    docs=Docs(
        what="Looks for a Permissions-Policy response header. The retired Feature-Policy "
        "header alone does not count: browsers that ship Permissions-Policy ignore it.",
        why="Permissions-Policy switches off features the site does not use (camera, "
        "microphone, geolocation, payment) for the page and every iframe it embeds, so an "
        "injected script or a compromised third-party frame cannot use them.",
        fix="Send a policy that disables what you do not need, for example "
        "`Permissions-Policy: camera=(), microphone=(), geolocation=()`.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Permissions-Policy",
            "https://owasp.org/www-project-secure-headers/#permissions-policy",
        ),
    ),
)
def permissions_policy(page: Page, ctx: CheckContext) -> Result:
    """Fails when no Permissions-Policy header is sent."""
    if page.header("permissions-policy"):
        return passed()
    legacy = page.header("feature-policy")
    if legacy:
        return failed(
            "The page sends only the retired Feature-Policy header.",
            evidence=f"Feature-Policy: {legacy}",
        )
    return failed("The page sends no Permissions-Policy header.")
