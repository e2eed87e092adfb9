"""The helpers behind the group-B checks compute what their docs promise."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest
from tests.unit.pipeline.factories import make_site, make_site_page

from siteaudit.checks.content.content_near_duplicate import MAX_CANDIDATES, content_near_duplicate
from siteaudit.checks.links._graph import inlinks
from siteaudit.checks.links.pagerank_low import _ranks
from siteaudit.checks.on_page._pixels import text_width
from siteaudit.model.site import SiteLink, SitePage

SITE = "https://example.com"


def pagerank(nodes: list[str], edges: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The PageRank `pagerank-low` computes for a crawl of these pages (paths) and links."""
    pages = [make_site_page(SITE + node) for node in nodes]
    links = [SiteLink(SITE + source, SITE + target) for source, target in edges]
    ranks = _ranks(make_site(pages, links), pages)
    return dict(zip(nodes, ranks, strict=True))


def test_pagerank_scores_average_one_and_favour_the_page_everyone_links_to() -> None:
    nodes = ["/", "/a", "/b", "/c"]
    edges = {("/a", "/"), ("/b", "/"), ("/c", "/"), ("/", "/a")}
    ranks = pagerank(nodes, edges)
    assert sum(ranks.values()) / len(ranks) == pytest.approx(1.0)
    assert max(ranks, key=ranks.__getitem__) == "/"
    assert ranks["/b"] == pytest.approx(ranks["/c"])
    assert ranks["/a"] > ranks["/b"]


def test_pagerank_ignores_self_links_and_links_to_pages_outside_the_graph() -> None:
    ranks = pagerank(["/", "/a"], {("/", "/"), ("/", "/elsewhere"), ("/", "/a"), ("/a", "/")})
    assert ranks["/"] == pytest.approx(ranks["/a"])


def test_pagerank_counts_a_repeated_edge_once() -> None:
    nodes = ["/", "/a", "/b"]
    unique = [("/", "/a"), ("/", "/b"), ("/a", "/"), ("/b", "/a")]
    repeated = [*unique, ("/", "/a"), ("/", "/a"), ("/b", "/a")]
    assert pagerank(nodes, repeated) == pytest.approx(pagerank(nodes, unique))
    assert pagerank(nodes, reversed(repeated)) == pytest.approx(pagerank(nodes, unique))


def test_pagerank_matches_a_dense_reference_computation() -> None:
    """Power iteration written out over a dense matrix, for a small graph with a
    dangling page: the array implementation must agree with it."""
    nodes = ["/", "/a", "/b", "/c", "/d"]
    edges = [("/", "/a"), ("/", "/b"), ("/a", "/b"), ("/b", "/"), ("/c", "/"), ("/c", "/b")]
    n, damping = len(nodes), 0.85
    out = {u: [t for s, t in edges if s == u] for u in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(200):
        dangling = sum(rank[u] for u in nodes if not out[u])
        rank = {
            v: (1 - damping) / n
            + damping * dangling / n
            + damping * sum(rank[u] / len(out[u]) for u in nodes if v in out[u])
            for v in nodes
        }
    expected = {u: r * n for u, r in rank.items()}
    assert pagerank(nodes, edges) == pytest.approx(expected, rel=1e-4)


def test_inlinks_keep_apart_pages_reached_only_through_redirects() -> None:
    # /x and /y appear in no link, only as where /old-x and /old-y land: each must keep
    # its own inlinks (they once shared the number given to a URL outside the link table).
    home, a = "https://example.com/", "https://example.com/a"
    pages = [make_site_page(home), make_site_page(a)]
    for name in ("x", "y"):
        old, new = f"https://example.com/old-{name}", f"https://example.com/{name}"
        pages += [make_site_page(old, status=301, final_url=new), make_site_page(new)]
    links = [
        SiteLink(home, "https://example.com/old-x"),
        SiteLink(a, "https://example.com/old-x"),
        SiteLink(home, "https://example.com/old-y"),
        SiteLink(home, a),
        SiteLink(a, a),  # a page linking to itself is no inlink
    ]
    assert inlinks(make_site(pages, links)) == {
        "https://example.com/x": (home, a),
        "https://example.com/y": (home,),
        a: (home,),
    }
    nofollow = [link._replace(nofollow=link.target == a) for link in links]
    assert a not in inlinks(make_site(pages, nofollow), follow_only=True)
    assert inlinks(make_site(pages, nofollow))[a] == (home,)


def test_near_duplicates_are_sought_among_the_latest_pages_of_a_band_only() -> None:
    # Every page shares band 0 (the low 16 bits); `near` differs from `first` in one bit of
    # each other band, so band 0 is the only one where they meet. Found with 255 pages
    # between them, not with 256; far into the band too (after its lists were trimmed).
    band = 0x1234
    rng = random.Random(7)

    def page(name: str, simhash: int) -> SitePage:
        return make_site_page(f"https://example.com/{name}", simhash=simhash)

    def fillers(prefix: str, count: int) -> list[SitePage]:
        return [page(f"{prefix}{n}", rng.getrandbits(48) << 16 | band) for n in range(count)]

    apart = (1 << 20) | (1 << 36) | (1 << 52)
    first, late = 0xA5A5_5A5A_F0F0 << 16 | band, 0x0F0F_3C3C_9696 << 16 | band
    pages = [
        page("first", first),
        *fillers("a", MAX_CANDIDATES),
        page("out-of-reach", first ^ apart),  # 256 pages after `first`
        *fillers("b", 2 * MAX_CANDIDATES),
        page("late", late),
        *fillers("c", MAX_CANDIDATES - 1),
        page("in-reach", late ^ apart),  # 255 pages after `late`
    ]
    check = content_near_duplicate
    assert check.site_fn is not None
    found = list(check.site_fn(make_site(pages), check.context()))
    assert [(f.url, f.locator) for f in found] == [
        ("https://example.com/in-reach", "https://example.com/late")
    ]


def test_pixel_width_of_wide_letters_exceeds_that_of_narrow_ones_of_the_same_count() -> None:
    assert text_width("WWWWWWWWWW", 20) > 3 * text_width("iiiiiiiiii", 20)


def test_pixel_width_counts_east_asian_characters_as_a_full_em() -> None:
    assert text_width("日本語", 20) == 60
