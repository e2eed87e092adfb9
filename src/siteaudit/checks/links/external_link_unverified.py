"""`external-link-unverified`: links to other sites whose host turned the check away."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, site_check
from siteaudit.checks.links._broken import each_pair, unverified_target
from siteaudit.model import Category, Severity
from siteaudit.model.report import EXTERNAL_LINKS
from siteaudit.model.site import BrokenExternal, Site


@site_check(
    id="external-link-unverified",
    category=Category.LINKS,
    severity=Severity.INFO,
    title="External links could be verified",
    failure_title="External link could not be verified",
    docs=Docs(
        what="Lists, on the linking page, each link to another site whose host turned the "
        "check after the crawl away instead of answering for the URL: HTTP 999 (LinkedIn "
        "answers every automated client so), HTTP 429 to every retry (a rate limit), or an "
        "error answer marked as bot protection's challenge (Cloudflare's `cf-mitigated: "
        "challenge`, AWS WAF's `x-amzn-waf-action`). These are not reported as broken by "
        "`external-link-broken`: a visitor's browser usually gets the page. Links to the "
        "site's own URLs that redirect to such an answer on another site (a `/go/linkedin` "
        "shortcut) are listed too, and not reported by `broken-link`. Informational: it "
        "does not count in the score.",
        why="A link checker that calls these broken buries the real dead links under false "
        "ones; one that says nothing leaves them unchecked. Listing them says which links "
        "only a person can check.",
        fix="Open the listed URLs in a browser; nothing to fix when they load.",
    ),
    needs=(EXTERNAL_LINKS,),
)
def external_link_unverified(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One finding per (source page, refused URL) pair, reported on the source: links to
    other sites, then internal links to URLs whose redirects ended on another site's refusal
    (`SitePage.refused`; `broken-link` leaves them out)."""
    for link in each_pair(site.unverified_external):
        yield unverified_target(link)
    refused = {page.url: page for page in site.pages if page.refused}
    if not refused:
        return
    links = (
        BrokenExternal(
            source=link.source,
            target=link.target,
            text=link.text,
            status=refused[link.target].status,
            error_code=None,
            position=link.position,
        )
        for link in site.links
        if link.target in refused
    )
    for link in each_pair(links):
        yield unverified_target(link, refused[link.target].final_url)
