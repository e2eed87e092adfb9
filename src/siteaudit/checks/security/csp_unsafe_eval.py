"""`csp-unsafe-eval`: the Content Security Policy forbids eval()."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.security._csp import describe, policies, sources
from siteaudit.model import Category, Page, Severity


@check(
    id="csp-unsafe-eval",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Content Security Policy forbids eval",
    failure_title="Content Security Policy allows eval",
    docs=Docs(
        what="For pages with an enforced CSP that restricts scripts, fails when every such "
        "policy lists 'unsafe-eval' in script-src (or default-src). Policies that do not "
        "restrict scripts are `csp-unsafe-inline`'s finding.",
        why="eval(), new Function() and string timers turn data into code; 'unsafe-eval' "
        "lets an attacker who controls a string reach them. The MDN HTTP Observatory "
        "deducts 10 points for it.",
        fix="Replace eval-style calls (often in old libraries or template engines) and drop "
        "'unsafe-eval'; for WebAssembly use 'wasm-unsafe-eval' instead.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/script-src#unsafe_eval_expressions",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def csp_unsafe_eval(page: Page, ctx: CheckContext) -> Result:
    """Fails when every script-restricting policy allows 'unsafe-eval'."""
    restricting = [p for p in policies(page) if sources(p, "script-src") is not None]
    if not restricting:
        return not_applicable()
    if all("'unsafe-eval'" in (sources(p, "script-src") or ()) for p in restricting):
        return failed(
            "The Content Security Policy allows 'unsafe-eval'.",
            evidence=describe(restricting[0], "script-src"),
            locator="script-src",
        )
    return passed()
