"""`x-content-type-options`: the browser may not guess content types."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="x-content-type-options",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Page forbids MIME sniffing",
    failure_title="X-Content-Type-Options is not nosniff",
    docs=Docs(
        what="Looks for the response header X-Content-Type-Options: nosniff.",
        why="Without it, browsers may second-guess the declared content type and run an "
        "uploaded or user-controlled file as script or stylesheet.",
        fix="Send X-Content-Type-Options: nosniff on every response (one line in the web "
        "server or CDN configuration), with correct Content-Type headers.",
        references=("https://developer.mozilla.org/docs/Web/HTTP/Headers/X-Content-Type-Options",),
    ),
)
def x_content_type_options(page: Page, ctx: CheckContext) -> Result:
    """Fails when the header is absent or holds anything but nosniff."""
    value = page.header("x-content-type-options")
    if value is None:
        return failed("The page sends no X-Content-Type-Options header.")
    if value.strip().lower() != "nosniff":
        return failed(
            "The X-Content-Type-Options header is not 'nosniff'.",
            evidence=f"X-Content-Type-Options: {value}",
        )
    return passed()
