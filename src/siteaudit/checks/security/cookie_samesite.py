"""`cookie-samesite`: cookies say when they may be sent cross-site."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable
from siteaudit.checks.security._cookies import Cookie, cookies, evidence
from siteaudit.model import Category, Page, Severity

VALUES = frozenset({"strict", "lax", "none"})


@check(
    id="cookie-samesite",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Cookies set a valid SameSite attribute",
    failure_title="Cookie has no valid SameSite attribute",
    docs=Docs(
        what="Reads every Set-Cookie response header and reports cookies with no SameSite "
        "attribute, an unknown value, or SameSite=None without Secure (which browsers "
        "reject outright).",
        why="SameSite=Lax or Strict keeps the browser from sending the cookie with "
        "requests that other sites trigger, the basis of cross-site request forgery. "
        "Browsers differ in the default they apply when it is missing (Chrome assumes Lax, "
        "Firefox and Safari do not), so only an explicit value behaves the same everywhere.",
        fix="Add `SameSite=Lax` (or `Strict`) to cookies; use `SameSite=None; Secure` only "
        "for cookies that must travel cross-site.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Set-Cookie#samesitesamesite-value",
            "https://web.dev/articles/samesite-cookies-explained",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def cookie_samesite(page: Page, ctx: CheckContext) -> Result:
    """One failure per cookie without a valid SameSite; N/A without cookies."""
    found = list(cookies(page))
    if not found:
        return not_applicable()
    return [
        failed(f"The cookie {c.name!r} {problem}.", evidence=evidence(c), locator=c.name)
        for c in found
        if (problem := _problem(c)) is not None
    ]


def _problem(cookie: Cookie) -> str | None:
    value = cookie.attributes.get("samesite")
    if value is None:
        return "has no SameSite attribute"
    if value.lower() not in VALUES:
        return f"has an invalid SameSite value {value!r}"
    if value.lower() == "none" and "secure" not in cookie.attributes:
        return "sets SameSite=None without Secure, so browsers reject it"
    return None
