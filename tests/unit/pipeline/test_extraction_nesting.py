"""The nesting bound: pages whose parse would cost hours are recognised before parsing,
real pages (the largest of the corpus sites included) never are."""

from __future__ import annotations

import pytest

from siteaudit.pipeline.extraction_nesting import NESTING_CHECK_TAGS, too_deep

LEVELS = 40_000  # ~3.5 s of Lexbor for nested <div>s; quadratic beyond


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * LEVELS + "x" + "</div>" * LEVELS,  # closed at the end: balanced counts
        "<ul><li>" * LEVELS,  # lists in list items
        "<div><span>" * LEVELS,  # mixed elements
        "<DIV>" * LEVELS,  # upper case
        "<div></zz>" * LEVELS,  # stray end tags close nothing (they walk the stack too)
        "<section>" * LEVELS + "</b>" * LEVELS,
        "<b>" * LEVELS + "<div>x</div>" * LEVELS,  # open formatting elements, then blocks
    ],
)
def test_deep_nesting_is_recognised(html: str) -> None:
    assert too_deep(html)


@pytest.mark.parametrize(
    "html",
    [
        "<div>x</div>" * 200_000,  # wide, not deep
        "<ul>" + "<li>item" * 100_000 + "</ul>",  # end tags implied
        "<table>" + "<tr><td>cell" * 50_000 + "</table>",
        "<p>one<br><img src=x>" * 50_000,
        "<div>" * 500 + "<span>x</span>" * 50_000 + "</div>" * 500,  # deep for a real page
        "<div>" * (NESTING_CHECK_TAGS - 1),  # too few tags to be slow: not walked
        # Never nested in themselves by the tree builder: fast, though never closed.
        '<a href="x">' * 30_000 + "<div>x</div>" * 30_000,
        "<form><input>" * 30_000 + "<div>x</div>" * 30_000,
        "<h2>title" * 30_000,
    ],
)
def test_wide_or_shallow_pages_are_parsed(html: str) -> None:
    assert not too_deep(html)


def test_nesting_is_refused_at_about_twenty_thousand_levels() -> None:
    # Half a second of Lexbor here (25 s for 100,000 levels); browsers stop at 512.
    levels = next(n for n in range(1000, 40_000, 1000) if too_deep("<div>" * n))
    assert levels == 20_000
