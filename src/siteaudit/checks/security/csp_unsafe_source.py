"""`csp-unsafe-source`: the Content Security Policy does not allow scripts from anywhere."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.security._csp import describe, policies, sources
from siteaudit.model import Category, Page, Severity

BROAD = frozenset({"*", "http:", "https:", "data:", "blob:"})


@check(
    id="csp-unsafe-source",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Content Security Policy names specific script sources",
    failure_title="Content Security Policy allows scripts from any host or over http",
    docs=Docs(
        what="For pages with an enforced CSP that restricts scripts, fails when a policy's "
        "script-src (or default-src) allows any host (`*`), a whole scheme (`http:`, "
        "`https:`, `data:`, `blob:`) or a host over plain `http://`. A policy with "
        "'strict-dynamic' is exempt: browsers ignore host and scheme sources there.",
        why="`https:` or `*` lets an attacker load script from any server they control, and "
        "`data:` lets them inline it; an `http://` source can be replaced in transit. The MDN "
        "HTTP Observatory treats such policies as unsafe.",
        fix="List the exact origins you load scripts from, or use nonces with 'strict-dynamic'.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/Sources",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def csp_unsafe_source(page: Page, ctx: CheckContext) -> Result:
    """Fails when every script-restricting policy allows a broad or insecure source."""
    restricting = [p for p in policies(page) if sources(p, "script-src") is not None]
    if not restricting:
        return not_applicable()
    # Policies are enforced together, so one tight policy is enough.
    unsafe = [_unsafe(sources(p, "script-src") or ()) for p in restricting]
    if all(unsafe):
        return failed(
            f"The Content Security Policy allows scripts from {', '.join(unsafe[0])}.",
            evidence=describe(restricting[0], "script-src"),
            locator="script-src",
        )
    return passed()


def _unsafe(allowed: tuple[str, ...]) -> list[str]:
    if "'strict-dynamic'" in allowed:
        return []
    return [s for s in allowed if s in BROAD or s.startswith("http://")]
