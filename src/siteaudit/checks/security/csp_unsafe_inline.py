"""`csp-unsafe-inline`: the Content Security Policy blocks injected inline scripts."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.security._csp import INLINE_NEUTRALISERS, describe, policies, sources
from siteaudit.model import Category, Page, Severity


@check(
    id="csp-unsafe-inline",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Content Security Policy blocks inline scripts",
    failure_title="Content Security Policy allows inline scripts",
    docs=Docs(
        what="For pages with an enforced CSP, reads the script-src directive (or default-src) "
        "of every policy. Fails when no policy restricts scripts at all, or when every "
        "restricting policy allows 'unsafe-inline' without a nonce, hash or 'strict-dynamic' "
        "(which make browsers ignore it). Pages without a CSP are the `csp` check's.",
        why="Injected inline script is how most cross-site scripting attacks run. A policy "
        "that allows it keeps the header but loses most of its protection; the MDN HTTP "
        "Observatory deducts 20 points for it.",
        fix="Move inline scripts and event handlers to files, or mark the inline scripts you "
        "trust with a per-response nonce or a hash, then drop 'unsafe-inline' from script-src.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/script-src",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
            "https://web.dev/articles/strict-csp",
        ),
    ),
)
def csp_unsafe_inline(page: Page, ctx: CheckContext) -> Result:
    """Fails when the enforced policies leave inline scripts allowed."""
    found = policies(page)
    if not found:
        return not_applicable()
    restricting = [p for p in found if sources(p, "script-src") is not None]
    if not restricting:
        return failed(
            "The Content Security Policy has neither script-src nor default-src, so it does "
            "not restrict scripts at all.",
            evidence=describe(found[0], "script-src"),
        )
    if all(_allows_inline(sources(p, "script-src") or ()) for p in restricting):
        return failed(
            "The Content Security Policy allows 'unsafe-inline' scripts.",
            evidence=describe(restricting[0], "script-src"),
            locator="script-src",
        )
    return passed()


def _allows_inline(allowed: tuple[str, ...]) -> bool:
    neutralised = any(s.startswith(INLINE_NEUTRALISERS) for s in allowed)
    return "'unsafe-inline'" in allowed and not neutralised
