"""`cookie-httponly`: session cookies are out of reach of scripts."""

import re

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable
from siteaudit.checks.security._cookies import cookies, evidence
from siteaudit.model import Category, Page, Severity

# Names that identify a login or session; anti-CSRF tokens are excluded because the
# double-submit pattern (Django's csrftoken, Angular's XSRF-TOKEN) needs script access.
SESSION_NAME = re.compile(r"sess|sid\b|^sid|auth|token|login|jwt|remember", re.IGNORECASE)
CSRF_NAME = re.compile(r"csrf|xsrf", re.IGNORECASE)


@check(
    id="cookie-httponly",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Session cookies are HttpOnly",
    failure_title="Session cookie is readable by scripts",
    docs=Docs(
        what="Reads every Set-Cookie response header and reports cookies whose name looks "
        "like a session or login identifier (session, sess, sid, auth, token, login, jwt, "
        "remember, e.g. PHPSESSID, JSESSIONID, connect.sid) but lack HttpOnly. Anti-CSRF "
        "tokens (csrf, xsrf) are exempt: the double-submit pattern reads them from script.",
        why="Any script running on the page, including one injected through cross-site "
        "scripting, can read a cookie without HttpOnly and send the session to an attacker. "
        "The MDN HTTP Observatory deducts 30 points for a session cookie without HttpOnly.",
        fix="Add `HttpOnly` to session and authentication cookies.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Set-Cookie#httponly",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def cookie_httponly(page: Page, ctx: CheckContext) -> Result:
    """One failure per session-like cookie without HttpOnly; N/A without session cookies."""
    sessions = [
        c for c in cookies(page) if SESSION_NAME.search(c.name) and not CSRF_NAME.search(c.name)
    ]
    if not sessions:
        return not_applicable()
    return [
        failed(
            f"The session cookie {c.name!r} is set without HttpOnly.",
            evidence=evidence(c),
            locator=c.name,
        )
        for c in sessions
        if "httponly" not in c.attributes
    ]
