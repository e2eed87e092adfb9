"""`cors`: cross-origin resource sharing headers do not open the page to any site."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="cors",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="CORS headers are safe",
    failure_title="CORS headers are unsafe or invalid",
    docs=Docs(
        what="Reads Access-Control-Allow-Origin (ACAO) and Access-Control-Allow-Credentials. "
        "Fails when ACAO is `null` (which any sandboxed iframe or data: document matches), "
        "when it lists several origins (invalid: browsers accept exactly one), or when it "
        "is `*` together with credentials (a server misconfiguration browsers refuse, which "
        "usually means the code also reflects arbitrary origins). A plain `*` without "
        "credentials passes: it only exposes what is public anyway, and the MDN HTTP "
        "Observatory does not deduct for it.",
        why="Over-broad CORS lets other sites read responses with the visitor's cookies, "
        "so an attacker's page can read private data from yours.",
        fix="Allow only the specific origins that need access (echo a vetted Origin from "
        "an allow-list and add `Vary: Origin`); never allow `null`.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/CORS",
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Allow-Origin",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def cors(page: Page, ctx: CheckContext) -> Result:
    """Fails on ACAO null, several origins, or * with credentials; N/A without ACAO."""
    origin = page.header("access-control-allow-origin")
    if origin is None:
        return not_applicable()
    value = origin.strip().lower()
    credentials = (page.header("access-control-allow-credentials") or "").strip().lower()
    shown = f"Access-Control-Allow-Origin: {origin}"
    if value == "null":
        return failed("CORS allows the origin 'null', which any sandboxed page has.", shown)
    if "," in value or " " in value:
        return failed("Access-Control-Allow-Origin lists several origins (invalid).", shown)
    if value == "*" and credentials == "true":
        return failed(
            "CORS allows any origin together with credentials.",
            f"{shown}; Access-Control-Allow-Credentials: true",
        )
    return passed()
