"""`canonical-multiple`: the page names one canonical URL."""

import re
from urllib.parse import urljoin

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

LINK_CANONICAL = re.compile(r"<([^>]*)>[^,]*;\s*rel\s*=\s*\"?canonical\"?", re.IGNORECASE)


@check(
    id="canonical-multiple",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Page declares one canonical URL",
    failure_title="Page declares conflicting canonical URLs",
    docs=Docs(
        what='Collects the URLs of every <link rel="canonical"> and of a canonical in the '
        "HTTP Link header, and fails when they name more than one distinct URL. Repeating "
        "the same URL passes.",
        why="When a page gives several canonical URLs, Google ignores all of them and "
        "chooses on its own, so the signal you meant to send is lost. It usually means a "
        "CMS and an SEO plugin both add one.",
        fix="Keep one canonical declaration (in the HTML head or the Link header) pointing "
        "at the preferred URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method",
        ),
    ),
)
def canonical_multiple(page: Page, ctx: CheckContext) -> Result:
    """Fails when the HTML and Link header name more than one distinct canonical URL."""
    urls = dict.fromkeys(page.canonicals)
    header = page.header("link") or ""
    for raw in LINK_CANONICAL.findall(header):
        urls.setdefault(_light_normalise(urljoin(page.final_url, raw.strip())), None)
    distinct = dict.fromkeys(_light_normalise(url) for url in urls)
    if len(distinct) > 1:
        return failed(
            f"The page declares {len(distinct)} different canonical URLs.",
            evidence=", ".join(distinct),
            locator=next(iter(distinct)),
        )
    return passed()


def _light_normalise(url: str) -> str:
    """Scheme and host lower-cased, as the extractor normalises page canonicals."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash or '/'}{path}"
