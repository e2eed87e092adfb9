"""`redirect-loop`: a URL's redirects do not lead back to themselves."""

from siteaudit.checks.base import Applies, CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

LOOP = "redirect-loop"  # siteaudit.crawl.errors.ErrorCode.REDIRECT_LOOP (checks sit below crawl)


@check(
    id="redirect-loop",
    category=Category.HTTP,
    severity=Severity.HIGH,
    title="Redirects do not loop",
    failure_title="URL redirects in a loop",
    docs=Docs(
        what="Flags every URL whose redirects pointed back to a URL already in the chain, "
        "so that no final page can ever be reached.",
        why="Browsers stop with ERR_TOO_MANY_REDIRECTS and search engines give up: the URL "
        "and everything linking to it lead nowhere. Loops usually come from conflicting "
        "rules (http/https, www/non-www, trailing slash) in the server, CDN and application.",
        fix="Follow the chain in the evidence, find the two rules that undo each other, and "
        "make every variant redirect once to the single preferred URL. A loop that sets a "
        "cookie on each hop (a cookie or consent check redirecting until the cookie comes "
        "back) works in a browser and strands every crawler: serve the page to clients "
        "without the cookie.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/301-redirects",
            "https://developer.mozilla.org/docs/Web/HTTP/Redirections",
        ),
    ),
    applies=Applies.RESPONSE,
)
def redirect_loop(page: Page, ctx: CheckContext) -> Result:
    """Fails when the fetch ended with the redirect-loop error."""
    if page.error_code != LOOP:
        return passed()
    chain = " -> ".join(f"{hop.url} ({hop.status})" for hop in page.redirects)
    # What the fetcher saw of the loop's cause, after its "; " (crawl.fetcher.COOKIE_LOOP).
    cause = (page.error_message or "").partition("; ")[2]
    why = f" {cause[:1].upper()}{cause[1:]}." if cause else ""
    return failed(
        f"The redirects of {page.url} loop back to a URL already visited.{why}",
        evidence=f"{chain} -> {page.redirects[-1].location}" if page.redirects else LOOP,
    )
