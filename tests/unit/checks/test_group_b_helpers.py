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


def test_pixel_width_of_wide_letters_exceeds_that_of_narrow_ones_of_the_same_count() -> None:
    assert text_width("WWWWWWWWWW", 20) > 3 * text_width("iiiiiiiiii", 20)


def test_pixel_width_counts_east_asian_characters_as_a_full_em() -> None:
    assert text_width("日本語", 20) == 60
