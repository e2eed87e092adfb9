"""The document's element names, and queries answered without a walk when they cannot match."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from siteaudit.pipeline.extraction_dom import Document, subject_names

# Implied elements (tbody, tr), <image> parsed as <img>, SVG names in camel case, elements
# inside <noscript> (parsed as elements), <template> contents (not in the tree at all).
TRICKY = (
    "<html><head><noscript><iframe src=a></iframe></noscript></head><body>"
    "<template><video src=v></video><p>t</p></template>"
    "<svg><title>s</title><clipPath id=c></clipPath></svg>"
    "<table><td>cell</td></table><image src=q><FORM><INPUT name=x></FORM>"
    "<a href='/x'><img alt=y src=i></a></body></html>"
)
SELECTORS = (
    "iframe",
    "video[src], audio[src]",
    "p",
    "title:not(svg title)",
    "svg title",
    "clippath",
    "tbody, tr",
    "img",
    "a[href] img",
    "form input",
    "input, select, textarea",
    "[id]",
    "*",
    "[role], main, nav",
    "button",
    'script[type="application/ld+json" i]',
    "link[rel~=alternate i][hreflang][href]",
)


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("iframe", {"iframe"}),
        ("a[href] img", {"img"}),
        ("body nav, body header", {"nav", "header"}),
        ("title:not(svg title)", {"title"}),
        ("li:not(:has(p, li)), TD", {"li", "td"}),
        ("ul > li + li ~ li", {"li"}),
        ('script[type="a, b" i]', {"script"}),
        ("link[rel~=canonical i][href]", {"link"}),
        ("[lang|=en] p", {"p"}),
    ],
)
def test_subject_names_are_the_names_of_the_elements_each_selector_selects(
    selector: str, names: set[str]
) -> None:
    assert subject_names(selector) == frozenset(names)


@pytest.mark.parametrize(
    "selector",
    ["[role]", "p, [id]", "*", ".x", "#main", ":is(main)", "svg|title", r"a\:b", "body >"],
)
def test_a_selector_that_does_not_name_its_element_always_runs(selector: str) -> None:
    assert subject_names(selector) is None
    assert not Document(LexborHTMLParser("<p>x</p>")).lacks(selector)


def test_the_walk_counts_elements_and_keeps_their_lower_case_names() -> None:
    doc = Document(LexborHTMLParser("<html><head></head><body><div><p><b>x</b></p></div>"))
    assert (doc.elements, doc.depth) == (6, 5)
    assert doc.tags == {"html", "head", "body", "div", "p", "b"}
    assert "clippath" in Document(LexborHTMLParser(TRICKY)).tags


@pytest.mark.parametrize("selector", SELECTORS)
def test_every_query_answers_what_the_tree_itself_answers(selector: str) -> None:
    doc = Document(LexborHTMLParser(TRICKY))
    tree = LexborHTMLParser(TRICKY)
    assert [node.html for node in doc.css(selector)] == [node.html for node in tree.css(selector)]
    first, expected = doc.css_first(selector), tree.css_first(selector)
    assert (first.html if first else None) == (expected.html if expected else None)


def test_a_query_for_absent_elements_is_answered_without_the_tree() -> None:
    doc = Document(LexborHTMLParser(TRICKY))
    assert doc.lacks("button") and doc.lacks("video[src]")  # <video> only in a template
    assert not doc.lacks("iframe") and not doc.lacks("img")  # in <noscript>; from <image>
    doc.tree = None  # type: ignore[assignment]  # any walk now would raise
    assert doc.css("button, textarea") == []
    assert doc.css_first("audio[src]") is None


def test_a_query_under_a_node_is_scoped_to_it() -> None:
    doc = Document(LexborHTMLParser("<div id=a><img src=1></div><div id=b></div><img src=2>"))
    first, second = doc.css("div")
    assert [n.attributes["src"] for n in doc.css("img", within=first)] == ["1"]
    assert doc.css("img", within=second) == []
