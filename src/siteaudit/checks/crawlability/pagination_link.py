"""`pagination-link`: rel=prev/next links form a sensible sequence."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="pagination-link",
    category=Category.CRAWLABILITY,
    severity=Severity.LOW,
    title="Pagination links are valid",
    failure_title="Pagination links are invalid",
    docs=Docs(
        what='Reads <link rel="next"> and <link rel="prev"> (or "previous") and fails when '
        "one points to the page itself, to another host, or when the page declares several "
        "different next (or prev) URLs.",
        why="Pagination links describe a sequence; a page that is its own next page, or "
        "has two, is a template bug that sends crawlers in circles or to the wrong series. "
        "Google no longer uses rel=prev/next for indexing, but Bing and browsers (prefetch) "
        "still read them.",
        fix="Point rel=next at the following page and rel=prev at the previous one, with "
        "absolute same-site URLs, one of each at most.",
        references=(
            "https://developers.google.com/search/docs/specialty/ecommerce/pagination-and-incremental-page-loading",
            "https://html.spec.whatwg.org/multipage/links.html#link-type-next",
        ),
    ),
)
def pagination_link(page: Page, ctx: CheckContext) -> Result:
    """One failure per pagination problem found in the page's <link> elements."""
    problems: list[Failed] = []
    host = urlsplit(page.final_url).hostname
    for direction, rels in (("next", {"next"}), ("prev", {"prev", "previous"})):
        targets = list(dict.fromkeys(link.href for link in page.link_rels if rels & set(link.rel)))
        if len(targets) > 1:
            problems.append(_fail(f"The page declares {len(targets)} {direction} URLs.", targets))
        for url in targets:
            if url in {page.url, page.final_url}:
                problems.append(_fail(f"rel={direction} points to the page itself.", [url]))
            elif urlsplit(url).hostname != host:
                problems.append(_fail(f"rel={direction} points to another host.", [url]))
    return problems or passed()


def _fail(message: str, urls: list[str]) -> Failed:
    return failed(message, evidence=", ".join(urls), locator=urls[0])
