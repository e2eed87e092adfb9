"""LinkTable: a compact link graph that reads like a tuple of SiteLinks."""

from __future__ import annotations

import sys

import pytest

from siteaudit.model.site import LinkTable, Site, SiteLink

A, B, C = "https://shop.example/a", "https://shop.example/b", "https://shop.example/c"
LINKS = (
    SiteLink(A, B, "Bee"),
    SiteLink(B, A, "", nofollow=True),
    SiteLink(A, C, "Bee", position="footer"),
    SiteLink(C, C, "self", position="navigation"),
)


def test_a_table_gives_back_the_links_it_was_given_in_order() -> None:
    table = LinkTable(LINKS)
    assert len(table) == 4
    assert tuple(table) == LINKS
    assert table == LINKS
    assert table[1] == SiteLink(B, A, "", nofollow=True)
    assert table[-1] == LINKS[-1]
    assert list(table[1:3]) == list(LINKS[1:3])
    assert SiteLink(A, C, "Bee", position="footer") in table
    assert SiteLink(C, A) not in table


def test_each_distinct_string_is_stored_once() -> None:
    table = LinkTable()
    for n in range(1000):
        table.append(f"{A}/{n % 10}", f"{B}/{n % 20}", "Read more")
    links = list(table)
    assert len(links) == 1000
    # Links share the table's strings: equal texts are one object, not a thousand copies.
    assert len({id(link.text) for link in links}) == 1
    assert len({id(link.target) for link in links}) == 20


def test_an_edge_costs_bytes_not_objects() -> None:
    table = LinkTable()
    for _ in range(100_000):
        table.append(A, B, "")
    parts = (table._sources, table._targets, table._texts, table._nofollow, table._positions)
    arrays = sum(sys.getsizeof(part) for part in parts)
    assert arrays < 100_000 * 16


def test_columns_added_in_chunks_read_back_as_the_same_links() -> None:
    table = LinkTable(LINKS[:1])
    for chunk in (LINKS[1:3], LINKS[3:], ()):
        columns = list(zip(*chunk, strict=True)) or [(), (), (), (), ()]
        sources, targets, texts, nofollow, positions = columns
        table.extend(sources, targets, texts, nofollow, positions)
    assert table == LINKS
    assert all(type(link) is SiteLink for link in table)
    assert len({id(link.source) for link in table if link.source == A}) == 1  # interned once


def test_columns_of_different_lengths_are_refused() -> None:
    table = LinkTable(LINKS)
    with pytest.raises(ValueError, match="different lengths"):
        table.extend([A, B], [B], ["x", "y"], [False, False], ["content", "content"])
    assert table == LINKS  # unchanged


@pytest.mark.parametrize("links", [LINKS, LinkTable(LINKS)], ids=["tuple", "table"])
def test_a_site_finds_the_links_to_some_targets_in_stored_order(
    links: tuple[SiteLink, ...] | LinkTable,
) -> None:
    site = Site(start_url=A, pages=(), links=links)
    assert list(site.links_to({C})) == [LINKS[2], LINKS[3]]
    assert list(site.links_to({A, C})) == [LINKS[1], LINKS[2], LINKS[3]]
    # An anchor text equal to no target, a URL no link points to, or nothing: no link.
    assert list(site.links_to({"Bee", "https://shop.example/d"})) == []
    assert list(site.links_to(frozenset())) == []
    strings, sources, targets, nofollow = site.link_columns()
    assert [
        (strings[s], strings[t], f) for s, t, f in zip(sources, targets, nofollow, strict=True)
    ] == [(link.source, link.target, link.nofollow) for link in LINKS]
