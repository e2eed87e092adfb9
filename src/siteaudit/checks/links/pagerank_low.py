"""`pagerank-low`: no page is starved of internal link value."""

from array import array
from collections.abc import Iterator
from statistics import median

from siteaudit.checks.base import CheckContext, Docs, Failed, Option, failed, site_check
from siteaudit.checks.links._graph import is_audited, is_working, landing, start_urls
from siteaudit.checks.links._pagerank import pagerank
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site, SitePage


@site_check(
    id="pagerank-low",
    category=Category.LINKS,
    severity=Severity.INFO,
    title="Pages receive a fair share of internal link value",
    failure_title="Page has very low internal PageRank",
    docs=Docs(
        what="Computes internal PageRank (damping 0.85, power iteration until it converges "
        "or 50 rounds) over the followed internal links between working HTML pages, links "
        "through redirects resolved to their target, and reports indexable pages whose score is "
        "below `max_ratio` (default 0.25) times the site's median. Skipped on crawls of "
        "fewer than `min_pages` pages (default 10), where the figures mean little. The "
        "start page is exempt.",
        why="Internal PageRank models how link value flows through the site. Outliers at "
        "the bottom are pages the site itself barely links to: search engines crawl them "
        "rarely and treat them as unimportant, whatever their content.",
        fix="Link to these pages from stronger pages (navigation, hubs, related content) "
        "or merge them into pages that are already well linked.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
            "http://ilpubs.stanford.edu:8090/422/",
        ),
    ),
    options={
        "max_ratio": Option(0.25, "Fail below this fraction of the median PageRank."),
        "min_pages": Option(10, "Fewest working HTML pages for the check to run."),
    },
)
def pagerank_low(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page whose PageRank is below `max_ratio` times the median."""
    starts = start_urls(site)
    pages = [p for p in site.pages if is_working(p)]
    if len(pages) < ctx.int_option("min_pages"):
        return
    ranks = dict(zip((p.url for p in pages), _ranks(site, pages), strict=True))
    middle = median(ranks.values())
    ratio = float(str(ctx.option("max_ratio")))
    for page in pages:
        score = ranks[page.url]
        if score < ratio * middle and is_audited(page) and page.url not in starts:
            yield failed(
                f"{page.url} has an internal PageRank of {score:.2f}, under {ratio:g} times "
                f"the site median of {middle:.2f}.",
                evidence=f"PageRank {score:.3f}; median {middle:.3f}",
                locator=page.url,
                url=page.url,
            )


def _ranks(site: Site, pages: list[SitePage]) -> list[float]:
    """The PageRank of each of `pages` over the followed links between them, each end taken
    where it lands; built on the link table's integer columns (each string's page looked
    up once, not once an edge)."""
    lands = landing(site)
    strings, sources, targets, nofollow = site.link_columns()
    place = {page.url: n for n, page in enumerate(pages)}
    node = [place.get(lands.get(text, text), -1) for text in strings]
    edge_sources, edge_targets = array("I"), array("I")
    for source, target, skip in zip(sources, targets, nofollow, strict=True):
        frm, to = node[source], node[target]
        if not skip and frm >= 0 and to >= 0 and frm != to:
            edge_sources.append(frm)
            edge_targets.append(to)
    return pagerank(len(pages), edge_sources, edge_targets)
