"""`hsts`: an https page tells browsers to always use https."""

import re

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity

MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@check(
    id="hsts",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="Page enforces HTTPS with HSTS",
    failure_title="Page has no effective Strict-Transport-Security header",
    docs=Docs(
        what="On https pages, looks for a Strict-Transport-Security header whose max-age is "
        "at least `min_max_age` seconds (default 180 days, Mozilla Observatory's bar). "
        "Plain-http pages are not applicable: browsers ignore HSTS sent over http.",
        why="Without HSTS a visitor's first request can go over plain http, where an "
        "attacker on the network can intercept or downgrade it (SSL stripping).",
        fix="Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every "
        "https response once the whole site works over https.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Strict-Transport-Security",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
    options={"min_max_age": Option(15_552_000, "Smallest max-age, in seconds, that passes.")},
)
def hsts(page: Page, ctx: CheckContext) -> Result:
    """Fails when an https page lacks HSTS or sets a max-age below `min_max_age`."""
    if not page.is_https:
        return not_applicable()
    value = page.header("strict-transport-security")
    if value is None:
        return failed("The https page sends no Strict-Transport-Security header.")
    found = MAX_AGE.search(value)
    minimum = ctx.int_option("min_max_age")
    if found is None or int(found.group(1)) < minimum:
        return failed(
            f"The Strict-Transport-Security max-age is missing or below {minimum} seconds.",
            evidence=f"Strict-Transport-Security: {value}",
        )
    return passed()
