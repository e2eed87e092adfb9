"""`redirect-chain`: a URL reaches its destination in one redirect at most."""

from siteaudit.checks.base import (
    Applies,
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

# Fetch errors of a chain that never reached a final response.
UNFINISHED = frozenset({"redirect-loop", "too-many-redirects"})


@check(
    id="redirect-chain",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Redirects reach their target directly",
    failure_title="URL redirects through a chain",
    docs=Docs(
        what="Counts the redirect hops between the requested URL and its final response "
        "and compares them with `max_hops`. A chain that never ends (a loop, or more hops "
        "than the crawler follows) has no final response: redirect-loop and fetch-error "
        "report it, and this check does not apply.",
        why="Each hop costs visitors a round trip (often a new connection) before anything "
        "renders, and search engines follow only a limited number of hops, losing link "
        "value along the way.",
        fix="Redirect the first URL straight to the final one, and update internal links "
        "to point at the final URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/301-redirects",
            "https://developer.chrome.com/docs/lighthouse/performance/redirects",
        ),
    ),
    applies=Applies.RESPONSE,
    options={"max_hops": Option(1, "Most redirect hops that pass.")},
)
def redirect_chain(page: Page, ctx: CheckContext) -> Result:
    """Fails when the URL went through more than `max_hops` redirects."""
    if page.error_code in UNFINISHED:
        return not_applicable()
    hops = page.redirects
    limit = ctx.int_option("max_hops")
    if len(hops) <= limit:
        return passed()
    chain = " -> ".join(f"{hop.url} ({hop.status})" for hop in hops)
    return failed(
        f"The URL goes through {len(hops)} redirects before reaching {page.final_url}.",
        evidence=f"{chain} -> {page.final_url}",
    )
