"""`robots-txt-unreachable`: robots.txt does not answer with a server error."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._robots import robots_url
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="robots-txt-unreachable",
    category=Category.SITEMAPS,
    severity=Severity.CRITICAL,
    title="robots.txt answers without a server error",
    failure_title="robots.txt answers with a server error",
    whole_site=True,
    docs=Docs(
        what="Fails when /robots.txt answered with a 5xx status.",
        why="RFC 9309 tells crawlers to treat an unreachable robots.txt as a full "
        "disallow. Google stops crawling the whole site while robots.txt answers 5xx (for "
        "up to 30 days, after which it may fall back to a cached copy), so pages drop out "
        "of the index.",
        fix="Make /robots.txt answer 200 (or 404 if you want no rules); check the server, "
        "CDN or firewall rule that fails on it.",
        references=(
            "https://www.rfc-editor.org/rfc/rfc9309#section-2.3.1.4",
            "https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt#http-status-codes",
        ),
    ),
)
def robots_txt_unreachable(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for the site when robots.txt answered 5xx."""
    status = site.facts.robots_status
    if status is not None and status >= 500:
        url = robots_url(site.start_url)
        yield failed(
            f"{url} answered HTTP {status}; crawlers treat the whole site as disallowed.",
            evidence=f"HTTP {status}",
            locator=url,
            url=url,
        )
