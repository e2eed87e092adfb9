"""`https-redirect`: the http version of an https site redirects to https."""

from collections.abc import Iterator
from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="https-redirect",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    title="http URLs redirect to https",
    failure_title="http URL is served without redirecting to https",
    docs=Docs(
        what="On hosts where the crawl found pages served over https, reports every http:// "
        "URL of the same host that was answered over plain http (2xx, no redirect to "
        "https). The crawl only sees http URLs that something links to or lists, so this "
        "is a lower bound.",
        why="An http page on an https site is an unprotected copy: visitors who reach it "
        "(old links, typed addresses) can be intercepted, and search engines see duplicate "
        "content. The MDN HTTP Observatory deducts 20 points when http does not redirect.",
        fix="Answer every http request with a 301 to the same path on https, then enable HSTS.",
        references=(
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
            "https://developers.google.com/search/docs/crawling-indexing/http-https-sites",
        ),
    ),
)
def https_redirect(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per plain-http 2xx page on a host that also serves https."""
    https_hosts = {_host(p.final_url) for p in site.pages if p.final_url.startswith("https://")}
    for page in site.pages:
        ok = page.status is not None and 200 <= page.status < 300
        if ok and page.final_url.startswith("http://") and _host(page.url) in https_hosts:
            yield failed(
                f"{page.url} is served over http instead of redirecting to https.",
                evidence=f"{page.final_url} answered HTTP {page.status}",
                locator=page.url,
                url=page.url,
            )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
