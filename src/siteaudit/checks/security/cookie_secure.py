"""`cookie-secure`: cookies set over https are marked Secure."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Failed,
    Result,
    check,
    failed,
    not_applicable,
)
from siteaudit.checks.security._cookies import cookies, evidence
from siteaudit.model import Category, Page, Severity


@check(
    id="cookie-secure",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Cookies are marked Secure",
    failure_title="Cookie is not marked Secure",
    docs=Docs(
        what="On https pages, reads every Set-Cookie response header (deletions excepted) "
        "and reports each cookie without the Secure attribute.",
        why="A cookie without Secure is also sent over plain http, where anyone on the "
        "network can read or change it, for example after a link to an http URL. The MDN "
        "HTTP Observatory deducts 20 points for it.",
        fix="Add `Secure` to every cookie the site sets (and serve the whole site over https).",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Set-Cookie#secure",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def cookie_secure(page: Page, ctx: CheckContext) -> Result:
    """One failure per cookie without Secure; N/A on plain http or without cookies."""
    found = list(cookies(page))
    if not page.is_https or not found:
        return not_applicable()
    return [_failure(c.name, evidence(c)) for c in found if "secure" not in c.attributes]


def _failure(name: str, shown: str) -> Failed:
    return failed(f"The cookie {name!r} is set without Secure.", evidence=shown, locator=name)
