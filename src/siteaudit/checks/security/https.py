"""`https`: the page is served over https."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

# Secure Contexts §3.1: loopback hosts are potentially trustworthy even over http.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@check(
    id="https",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    title="Page uses HTTPS",
    failure_title="Page is served over plain HTTP",
    docs=Docs(
        what="Fails HTML pages whose final URL (after redirects) is http://. Loopback hosts "
        "(localhost, 127.0.0.1, ::1) pass, as in Lighthouse's is-on-https audit, because "
        "browsers treat them as secure contexts.",
        why="Over plain http anyone on the network can read and change the page: inject ads "
        "or malware, steal form input. Browsers mark such pages Not secure, withhold "
        "powerful features, and Google uses https as a ranking signal.",
        fix="Serve the site over https (free certificates from Let's Encrypt) and redirect "
        "every http URL to its https version with a 301.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/best-practices/is-on-https",
            "https://developers.google.com/search/docs/crawling-indexing/http-https-sites",
            "https://www.w3.org/TR/secure-contexts/#is-origin-trustworthy",
        ),
    ),
)
def https(page: Page, ctx: CheckContext) -> Result:
    """Fails when the final URL is plain http on a non-loopback host."""
    if page.is_https:
        return passed()
    host = (urlsplit(page.final_url).hostname or "").lower()
    if host in LOOPBACK or host.startswith("127."):
        return passed()
    return failed("The page is served over plain http.", evidence=page.final_url)
