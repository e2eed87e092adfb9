"""Shared by the `csp-*` checks: the enforced policies of a page, parsed (CSP Level 3 §2.2)."""

from __future__ import annotations

from siteaudit.model import Page

Policy = dict[str, tuple[str, ...]]

# Any of these in script-src makes 'unsafe-inline' ignored by CSP Level 2+ browsers.
INLINE_NEUTRALISERS = ("'nonce-", "'sha256-", "'sha384-", "'sha512-", "'strict-dynamic'")


def policies(page: Page) -> list[Policy]:
    """Every enforced policy: each comma-separated header policy and the <meta> policy."""
    texts = []
    header = page.header("content-security-policy")
    if header:
        texts.extend(header.split(","))
    meta = page.meta.get("content-security-policy")
    if meta:
        texts.append(meta)
    return [parsed for text in texts if (parsed := parse(text))]


def parse(text: str) -> Policy:
    """Directives by lower-case name with their source lists; the first occurrence wins."""
    policy: Policy = {}
    for part in text.split(";"):
        tokens = part.split()
        if tokens:
            policy.setdefault(tokens[0].lower(), tuple(t.lower() for t in tokens[1:]))
    return policy


def sources(policy: Policy, directive: str) -> tuple[str, ...] | None:
    """The sources governing `directive` (falling back to default-src); None when unrestricted."""
    if directive in policy:
        return policy[directive]
    return policy.get("default-src")


def describe(policy: Policy, directive: str) -> str:
    """Evidence: the directive (or default-src) as written, lower-cased."""
    name = directive if directive in policy else "default-src"
    found = sources(policy, directive)
    return f"{name} {' '.join(found)}" if found is not None else f"no {directive} or default-src"
