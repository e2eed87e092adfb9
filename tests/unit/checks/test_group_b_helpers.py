"""The helpers behind the group-B checks compute what their docs promise."""

from __future__ import annotations

import pytest

from siteaudit.checks.links._pagerank import pagerank
from siteaudit.checks.on_page._pixels import text_width


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


def test_pixel_width_of_wide_letters_exceeds_that_of_narrow_ones_of_the_same_count() -> None:
    assert text_width("WWWWWWWWWW", 20) > 3 * text_width("iiiiiiiiii", 20)


def test_pixel_width_counts_east_asian_characters_as_a_full_em() -> None:
    assert text_width("日本語", 20) == 60
