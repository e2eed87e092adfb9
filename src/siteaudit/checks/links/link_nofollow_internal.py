"""`link-nofollow-internal`: internal links are followed."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="link-nofollow-internal",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Internal links are followed",
    failure_title="Page has nofollow links to its own site",
    docs=Docs(
        what="Reports each internal link (same host) whose rel contains nofollow, ugc or "
        "sponsored. A page-wide meta robots nofollow is `page-nofollow`'s.",
        why="nofollow asks search engines not to crawl through the link or pass it value. "
        "On internal links it only hides your own pages from crawlers and wastes the link "
        'value ("PageRank sculpting" with nofollow has not worked since 2009).',
        fix="Remove rel=nofollow from internal links; keep pages out of search with noindex "
        "or out of crawling with robots.txt instead.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/qualify-outbound-links",
        ),
    ),
)
def link_nofollow_internal(page: Page, ctx: CheckContext) -> Result:
    """One failure per internal nofollow link."""
    found = [link for link in page.links if link.internal and link.nofollow]
    if not found:
        return passed()
    return [
        failed(
            f"The internal link to {link.url} is marked {' '.join(link.rel)}.",
            evidence=f'<a href="{link.url}" rel="{" ".join(link.rel)}">{link.text}</a>',
            locator=link.url,
        )
        for link in found
    ]
