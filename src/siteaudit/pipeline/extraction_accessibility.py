"""Accessibility facts readable without a browser: names of controls, ids, landmarks.

Part of extraction (see `extraction.py`); reads the parsed document without mutating it.

Each offending element becomes an `Element` with a locator a person can paste into the
browser's developer tools: `#id` when it has an id, an attribute selector when one names it
(`input[name="email"]`, `a[href="/cart"]`, `iframe[src="..."]`), else an XPath position in
document order (`(//button)[2]`, which DevTools' element search accepts too), and the
element's outer HTML capped at `MAX_SNIPPET` characters.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice

from selectolax.lexbor import LexborNode

from siteaudit.model.page import Element
from siteaudit.pipeline.extraction_dom import Document

MAX_SNIPPET = 200
MAX_ELEMENTS = 50  # per kind of problem and page
MAX_LOCATOR_VALUE = 120
MIN_DATA_ROWS = 3
UNNAMED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "image", "reset"})
# A header/footer is a banner/contentinfo landmark only when it is not scoped to a section.
SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
ROLE_LANDMARKS = frozenset(
    {"banner", "complementary", "contentinfo", "form", "main", "navigation", "region", "search"}
)
NAMING_ATTRIBUTES = ("aria-label", "aria-labelledby", "title")
LANDMARK_SELECTOR = "[role], main, nav, aside, search, header, footer, form, section"
TAG_LANDMARKS = {"main": "main", "nav": "navigation", "aside": "complementary", "search": "search"}


def unlabelled_controls(doc: Document) -> tuple[Element, ...]:
    """Form controls with no accessible name (label, aria-label(ledby), title, placeholder).

    Placeholder counts as a name, as axe-core accepts it (it is a weak one, but flagging it
    here would disagree with the reference tool).
    """
    labelled = {(node.attributes.get("for") or "").strip() for node in doc.css("label[for]")} - {""}
    found = []
    for index, node in enumerate(doc.css("input, select, textarea"), 1):
        attrs = node.attributes
        if node.tag == "input" and (attrs.get("type") or "").strip().lower() in UNNAMED_INPUT_TYPES:
            continue
        named = _has_aria_name(node) or (attrs.get("placeholder") or "").strip()
        if named or (attrs.get("id") or "") in labelled or _inside(node, "label"):
            continue
        found.append(_element(node, "//input | //select | //textarea", index))
        if len(found) == MAX_ELEMENTS:
            break
    return tuple(found)


def empty_buttons(doc: Document) -> tuple[Element, ...]:
    """<button> elements with no text, aria-label(ledby), title or image alt."""
    found = (
        _element(node, "//button", index)
        for index, node in enumerate(doc.css("button"), 1)
        if not _accessible_name(node)
    )
    return tuple(islice(found, MAX_ELEMENTS))


def empty_links(doc: Document) -> tuple[Element, ...]:
    """<a href> elements with no text, aria-label(ledby), title or image alt."""
    found = (
        _element(node, "//a[@href]", index)
        for index, node in enumerate(doc.css("a[href]"), 1)
        if not _accessible_name(node)
    )
    return tuple(islice(found, MAX_ELEMENTS))


def duplicate_ids(doc: Document) -> tuple[str, ...]:
    """id values used by more than one element, in order of first use."""
    counts = Counter((node.attributes.get("id") or "") for node in doc.css("[id]"))
    return tuple(value for value, n in counts.items() if n > 1 and value.strip())[:MAX_ELEMENTS]


def positive_tabindex(doc: Document) -> tuple[Element, ...]:
    """Elements whose tabindex is greater than zero (they jump the natural tab order)."""
    found = []
    for index, node in enumerate(doc.css("[tabindex]"), 1):
        value = (node.attributes.get("tabindex") or "").strip()
        if value.isdigit() and int(value) > 0:
            found.append(_element(node, "//*[@tabindex]", index))
            if len(found) == MAX_ELEMENTS:
                break
    return tuple(found)


def iframes_without_title(doc: Document) -> tuple[Element, ...]:
    """<iframe> elements with no title, aria-label or aria-labelledby (hidden ones excepted)."""
    found = []
    for index, node in enumerate(doc.css("iframe"), 1):
        attrs = node.attributes
        hidden = (attrs.get("aria-hidden") or "") == "true" or "hidden" in attrs
        if hidden or _has_aria_name(node):
            continue
        found.append(_element(node, "//iframe", index))
        if len(found) == MAX_ELEMENTS:
            break
    return tuple(found)


def landmarks(doc: Document) -> frozenset[str]:
    """ARIA landmark roles present: from explicit roles and from the elements that imply one."""
    found: set[str] = set()
    for node in doc.css(LANDMARK_SELECTOR):
        tag = str(node.tag)
        attrs = node.attributes
        roles = set((attrs.get("role") or "").lower().split()) & ROLE_LANDMARKS
        if roles:
            found |= roles
        elif tag in TAG_LANDMARKS:
            found.add(TAG_LANDMARKS[tag])
        elif tag in {"header", "footer"}:
            if not _inside(node, *SECTIONING):
                found.add("banner" if tag == "header" else "contentinfo")
        elif tag in {"form", "section"} and any(attrs.get(a) for a in NAMING_ATTRIBUTES):
            found.add("form" if tag == "form" else "region")
    return frozenset(found)


def tables_without_headers(doc: Document) -> tuple[Element, ...]:
    """Data tables with no <th> cell.

    A table counts as data when it is not role=presentation/none, is not part of nested
    tables (a layout pattern) and
    has at least `MIN_DATA_ROWS` rows whose first has two cells or more: smaller grids are
    usually layout (navigation bars such as the PostgreSQL manual's), which axe-core's
    data-table heuristics skip as well.
    """
    found = []
    for index, node in enumerate(doc.capped("table", "tables"), 1):
        role = (node.attributes.get("role") or "").lower()
        if role in {"presentation", "none"} or node.css_first("th, table table") is not None:
            continue
        rows = node.css("tr")
        if len(rows) >= MIN_DATA_ROWS and len(rows[0].css("td")) >= 2:
            found.append(_element(node, "//table", index))
            if len(found) == MAX_ELEMENTS:
                break
    return tuple(found)


def _accessible_name(node: LexborNode) -> bool:
    """True when text, aria-label(ledby), title or a non-empty image alt names the element."""
    # Text first: most elements have some, and it costs less than building the attributes.
    if node.text(deep=True).strip() or _has_aria_name(node):
        return True
    for image in node.css("img[alt], [role=img][aria-label], svg [aria-label]"):
        attrs = image.attributes
        if (attrs.get("alt") or attrs.get("aria-label") or "").strip():
            return True
    return False


def _has_aria_name(node: LexborNode) -> bool:
    attrs = node.attributes
    return any((attrs.get(name) or "").strip() for name in NAMING_ATTRIBUTES)


def _inside(node: LexborNode, *tags: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _element(node: LexborNode, xpath: str, index: int) -> Element:
    return Element(locator=_locator(node, xpath, index), snippet=(node.html or "")[:MAX_SNIPPET])


def _locator(node: LexborNode, xpath: str, index: int) -> str:
    """`#id`, then a naming attribute, then `(xpath)[index]`: its position in document order.

    `xpath` must select what the CSS selector that found `node` selected, so that `index`
    (1-based, in document order for both) points at the same element.
    """
    attrs = node.attributes
    element_id = (attrs.get("id") or "").strip()
    if element_id and " " not in element_id:
        return f"#{element_id[:MAX_LOCATOR_VALUE]}"
    for name in ("name", "href", "src"):
        value = (attrs.get(name) or "").strip()
        if value and '"' not in value:
            return f'{node.tag}[{name}="{value[:MAX_LOCATOR_VALUE]}"]'
    return f"({xpath})[{index}]"
