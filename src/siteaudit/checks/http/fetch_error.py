"""`fetch-error`: the URL gave a usable response."""

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import UNAUDITED


@check(
    id="fetch-error",
    category=Category.HTTP,
    severity=Severity.HIGH,
    title="URL gives a usable response",
    failure_title="URL could not be fetched",
    docs=Docs(
        what="Flags every URL for which no usable HTTP response arrived: DNS failures, "
        "refused or reset connections, TLS errors, timeouts, responses over the size limit, "
        "too many redirects, and addresses the crawler may not visit. Redirect loops are "
        "left to `redirect-loop`, which names the loop; a page fetched fine whose audit "
        "passed the page time limit, crashed its worker process, nests too deep to parse "
        "or could not be read (`processing-timeout`, `processing-crashed`, `html-too-deep`, "
        "`processing-failed`) is listed with the scan's page errors instead.",
        why="If the crawler cannot get a page, neither can many visitors or search engines; "
        "whatever the cause, the URL is out of reach.",
        fix="Use the error code to find the cause: check DNS records, certificates, "
        "firewalls and server timeouts, or shrink a response that is too large.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/http-network-errors",
        ),
    ),
    applies=Applies.RESPONSE,
)
def fetch_error(page: Page, ctx: CheckContext) -> Result:
    """Fails when the fetch reported an error code or produced no status."""
    if page.error_code is None and page.status is not None:
        return passed()
    if page.error_code == "redirect-loop" or page.error_code in UNAUDITED:
        return not_applicable()
    code = page.error_code or "no-response"
    detail = f": {page.error_message}" if page.error_message else ""
    return failed(f"The URL could not be fetched ({code}).", evidence=f"{code}{detail}")
