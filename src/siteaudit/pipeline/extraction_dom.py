"""The parsed document, with what one walk over its elements tells: their names, count and depth.

Part of extraction (see `extraction.py`). Every CSS query walks the whole tree, whatever
it asks for: some 25 µs on a page of the PostgreSQL manual, and extraction asks about forty
of them, most about elements a page does not have (iframes, forms, video, <base>...).
`Document` walks the elements once, first, and keeps their names; a query whose selector
can only match elements of names the document lacks answers "none" without a walk. The
answer is exact, not a guess: a selector list whose every selector names the element it
selects (`iframe[src]`, `a[href] img`, `title:not(svg title)`) cannot match an element of
another name, and a selector that does not name it (`[role]`, `*`, `.x`) always runs.

The walk visits exactly the elements a query can return: <template> contents are not in
the tree for either, and the names are taken before anything is removed (removing elements
later only makes the names a superset, which keeps the answers exact).
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

from selectolax.lexbor import LexborHTMLParser, LexborNode

from siteaudit.model.page import MAX_PER_KIND

_TAG = attrgetter("tag")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_COMBINATORS = frozenset(" \t\n\r\f>+~")


class Document:
    """A parsed page and the lower-case names of the elements in it."""

    __slots__ = ("depth", "elements", "tags", "tree", "truncated")

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.tree = tree
        names: set[str] = set()
        level = [tree.root] if tree.root is not None else []
        count = depth = 0
        while level:  # breadth first: one list per level keeps the loop in C-level iterators
            depth += 1
            count += len(level)
            names.update(map(_TAG, level))
            level = [child for node in level for child in node.iter()]
        self.tags = frozenset(name.lower() for name in names)
        self.elements = count  # the <html> element included
        self.depth = depth  # the <html> element is depth 1
        self.truncated: set[str] = set()  # kinds `capped` cut short

    def css(self, selector: str, within: LexborNode | None = None) -> list[LexborNode]:
        """`selector`'s matches in the document (or under `within`), in document order."""
        if self.lacks(selector):
            return []
        return (self.tree if within is None else within).css(selector)

    def css_first(self, selector: str, within: LexborNode | None = None) -> LexborNode | None:
        """`selector`'s first match in the document (or under `within`), None without one."""
        if self.lacks(selector):
            return None
        return (self.tree if within is None else within).css_first(selector)

    def capped(
        self, selector: str, kind: str, within: LexborNode | None = None
    ) -> list[LexborNode]:
        """`selector`'s first `MAX_PER_KIND` matches; `kind` (in words: "images") is noted in
        `truncated` when there were more."""
        return self.cap(self.css(selector, within), kind)

    def cap(self, nodes: list[LexborNode], kind: str) -> list[LexborNode]:
        """The first `MAX_PER_KIND` of `nodes` (a query's matches); `kind` is noted in
        `truncated` when there were more."""
        if len(nodes) <= MAX_PER_KIND:
            return nodes
        self.truncated.add(kind)
        return nodes[:MAX_PER_KIND]

    def lacks(self, selector: str) -> bool:
        """True when no element `selector` can match is in the document (so it matches none)."""
        names = subject_names(selector)
        return names is not None and names.isdisjoint(self.tags)


@lru_cache(maxsize=512)
def subject_names(selector: str) -> frozenset[str] | None:
    """The element names a selector list can match (lower-case); None when one of its
    selectors can match elements of any name, or when the selector is not understood here
    (namespaces, escapes): then it must always run.
    """
    if "\\" in selector or "|" in selector.replace("|=", ""):
        return None
    names: set[str] = set()
    for complex_selector in _top_level(selector, ","):
        # The subject is the last compound: what follows the last top-level combinator.
        subject = _top_level(complex_selector.strip(), _COMBINATORS)[-1]
        found = _NAME.match(subject)
        if found is None:
            return None
        names.add(found.group().lower())
    return frozenset(names)


def _top_level(text: str, separators: str | frozenset[str]) -> list[str]:
    """`text` split at each of `separators` outside brackets, parentheses and quotes
    (consecutive separators leave empty parts)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char in separators and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts
