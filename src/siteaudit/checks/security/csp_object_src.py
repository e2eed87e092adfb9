"""`csp-object-src`: the Content Security Policy blocks plugins."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.security._csp import describe, policies, sources
from siteaudit.model import Category, Page, Severity

BROAD = frozenset({"*", "http:", "https:", "data:", "blob:"})


@check(
    id="csp-object-src",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Content Security Policy restricts object-src",
    failure_title="Content Security Policy leaves object-src open",
    docs=Docs(
        what="For pages with an enforced CSP, reads object-src (or default-src) across the "
        "policies; fails when no policy restricts it, or when it allows any host or a whole "
        "scheme (`*`, `http:`, `https:`, `data:`, `blob:`).",
        why="<object> and <embed> can load plugin content that runs script outside the "
        "script-src rules, a known CSP bypass. Google's strict CSP and the MDN HTTP "
        "Observatory both expect object-src 'none'.",
        fix="Add `object-src 'none'` (or `default-src 'none'` with explicit allowances).",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/object-src",
            "https://web.dev/articles/strict-csp",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def csp_object_src(page: Page, ctx: CheckContext) -> Result:
    """Fails when no enforced policy keeps object-src to specific sources."""
    found = policies(page)
    if not found:
        return not_applicable()
    for policy in found:
        allowed = sources(policy, "object-src")
        if allowed is not None and not BROAD & set(allowed):
            return passed()
    broad = [p for p in found if sources(p, "object-src") is not None]
    shown = broad[0] if broad else found[0]
    return failed(
        "The Content Security Policy does not restrict object-src to specific sources.",
        evidence=describe(shown, "object-src"),
        locator="object-src",
    )
