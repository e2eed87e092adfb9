"""`server-version`: response headers do not advertise software versions."""

import re

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Result,
    check,
    failed,
    not_applicable,
)
from siteaudit.model import Category, Page, Severity

VERSION = re.compile(r"(?<!\d)\d+\.\d+")  # from a number's start: linear on digit runs
HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")


@check(
    id="server-version",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Headers do not disclose software versions",
    failure_title="Headers disclose software versions",
    docs=Docs(
        what="Looks for a version number (digits.digits) in the Server, X-Powered-By, "
        "X-AspNet-Version, X-AspNetMvc-Version and X-Generator response headers of every "
        "response. A product name alone (`Server: nginx`) passes. A URL that redirects is "
        "not judged: its final response is its target's (a page audited itself, or another "
        "site's).",
        why="A version number tells attackers exactly which known vulnerabilities to try, "
        "and automated scanners select targets by it. Hiding it is cheap defence in depth "
        "(OWASP).",
        fix="Turn version disclosure off: `server_tokens off` (nginx), `ServerTokens Prod` "
        "(Apache), `expose_php = Off` (PHP), and remove X-Powered-By / X-AspNet-Version.",
        references=(
            "https://owasp.org/www-project-secure-headers/",
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Server",
            "https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",
        ),
    ),
    applies=Applies.RESPONSE,
)
def server_version(page: Page, ctx: CheckContext) -> Result:
    """One failure per header that carries a version number; N/A for a redirect, whose
    final response belongs to its target (another site's, or a page audited itself)."""
    if page.redirects:
        return not_applicable()
    return [
        failed(
            f"The {name} header discloses a version.",
            evidence=f"{name}: {value}",
            locator=name,
        )
        for name in HEADERS
        if (value := page.header(name)) is not None and VERSION.search(value)
    ]
