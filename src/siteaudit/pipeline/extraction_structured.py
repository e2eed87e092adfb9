"""Structured data: JSON-LD, microdata and RDFa Lite items, and the errors met reading them.

Part of extraction (see `extraction.py`); reads the parsed document without mutating it, and
must run before the invisible elements (scripts) are stripped.

Every syntax produces the same `StructuredItem`: schema.org types without their prefix
(`https://schema.org/Product` -> `Product`) and properties flattened to text. Nested items
are flattened too, under dotted paths: an Offer inside a Product gives `offers` -> ("Offer",)
and `offers.price` -> ("19.99",), down to `MAX_NESTING` levels, so that checks can ask for
required nested properties without parsing JSON themselves. Errors are short sentences
prefixed with the syntax (`json-ld: ...`, `microdata: ...`, `rdfa: ...`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborNode

from siteaudit.model.page import StructuredItem
from siteaudit.pipeline.extraction_dom import Document

MAX_ITEMS = 200
MAX_VALUES = 50  # values kept per property
MAX_VALUE_CHARS = 300
MAX_RAW = 2_000
MAX_NESTING = 3
SCHEMA_PREFIXES = (
    "https://schema.org/",
    "http://schema.org/",
    "schema:",
    "https://schema.org",
    "http://schema.org",
)
# Prefixed RDFa properties (Open Graph, Twitter...) belong to the RDFa initial context and
# need no typeof/vocab around them.
_RDFA_URL_VALUE = ("href", "src", "resource")


def structured_data(doc: Document) -> tuple[tuple[StructuredItem, ...], tuple[str, ...]]:
    """Every top-level structured-data item of the page, and the errors met on the way."""
    items: list[StructuredItem] = []
    errors: list[str] = []
    _json_ld(doc, items, errors)
    if doc.css_first("[itemscope], [itemprop]") is not None:
        _microdata(doc, items, errors)
    if doc.css_first("[typeof], [vocab], body [property]") is not None:
        _rdfa(doc, items, errors)
    return tuple(items[:MAX_ITEMS]), tuple(errors[:MAX_ITEMS])


def schema_type(value: str) -> str:
    """A type name without its schema.org prefix."""
    for prefix in SCHEMA_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :].lstrip("/")
    return value


# --- JSON-LD ---------------------------------------------------------------------------


def _json_ld(doc: Document, items: list[StructuredItem], errors: list[str]) -> None:
    for number, node in enumerate(doc.css('script[type="application/ld+json" i]'), 1):
        text = node.text().strip()
        if not text:
            errors.append(f"json-ld: block {number} is empty")
            continue
        try:
            found = _json_ld_items(text, number, errors)
        except json.JSONDecodeError as exc:
            errors.append(f"json-ld: block {number} is not valid JSON ({exc})")
            continue
        except RecursionError:
            # Arrays or objects nested past the interpreter's recursion limit (a page's
            # "[[[[..."): the decoder, and any walk of the result, raise RecursionError,
            # which is not a JSONDecodeError and would end the scan as a bug.
            errors.append(f"json-ld: block {number} nests too deep to be read")
            continue
        items.extend(found)


def _json_ld_items(text: str, number: int, errors: list[str]) -> list[StructuredItem]:
    """The items of one JSON-LD block; raises JSONDecodeError or RecursionError."""
    data = json.loads(text)
    objects = [o for o in _top_level(data) if isinstance(o, dict)]
    if not objects:
        errors.append(f"json-ld: block {number} holds no JSON object")
    raw = text[:MAX_RAW]
    found = []
    for obj in objects:
        properties: dict[str, list[str]] = {}
        _flatten_json(obj, "", properties, 0)
        found.append(
            StructuredItem(
                syntax="json-ld",
                types=_json_types(obj),
                properties={k: tuple(v[:MAX_VALUES]) for k, v in properties.items()},
                raw=raw,
            )
        )
    return found


def _top_level(data: Any) -> list[Any]:
    """Top-level arrays and @graph containers flattened into their items."""
    if isinstance(data, list):
        return [item for element in data for item in _top_level(element)]
    if isinstance(data, dict) and isinstance(data.get("@graph"), list):
        return [item for element in data["@graph"] for item in _top_level(element)]
    return [data]


def _json_types(obj: dict[str, Any]) -> tuple[str, ...]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return tuple(schema_type(v) for v in values if isinstance(v, str) and v)


def _flatten_json(obj: dict[str, Any], prefix: str, out: dict[str, list[str]], level: int) -> None:
    for key, value in obj.items():
        if key.startswith("@") and key != "@id":
            continue
        path = prefix + key
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, dict):
                out.setdefault(path, []).append(_describe(element))
                if level < MAX_NESTING:
                    _flatten_json(element, path + ".", out, level + 1)
            elif element is not None:
                out.setdefault(path, []).append(_text(element))


def _describe(obj: dict[str, Any]) -> str:
    """A nested object as one value: its type, else its @id, else its JSON-LD value."""
    types = _json_types(obj)
    if types:
        return types[0]
    if "@value" in obj:
        return _text(obj["@value"])
    return _text(obj.get("@id", ""))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split())[:MAX_VALUE_CHARS]


# --- microdata -------------------------------------------------------------------------


def _microdata(doc: Document, items: list[StructuredItem], errors: list[str]) -> None:
    props_by_scope: dict[int, list[LexborNode]] = {}
    for node in doc.css("[itemprop]"):
        scope = _nearest(node, "itemscope")
        if scope is None:
            name = node.attributes.get("itemprop") or ""
            errors.append(f"microdata: itemprop {name!r} is outside any itemscope")
        else:
            props_by_scope.setdefault(scope.mem_id, []).append(node)
    for node in doc.css("[itemscope]:not([itemprop])"):
        types = _tokens(node.attributes.get("itemtype"))
        if not types:
            errors.append("microdata: an itemscope has no itemtype")
        properties: dict[str, list[str]] = {}
        _collect_props(_MICRODATA, node, props_by_scope, "", properties)
        items.append(
            StructuredItem(
                syntax="microdata",
                types=types,
                properties={k: tuple(v[:MAX_VALUES]) for k, v in properties.items()},
                raw=(node.html or "")[:MAX_RAW],
            )
        )


# --- RDFa Lite -------------------------------------------------------------------------


def _rdfa(doc: Document, items: list[StructuredItem], errors: list[str]) -> None:
    props_by_scope: dict[int, list[LexborNode]] = {}
    for node in doc.css("[property]"):
        names = (node.attributes.get("property") or "").split()
        if all(":" in name for name in names):
            continue  # CURIEs such as og:title use the initial context: no typeof needed
        scope = _nearest(node, "typeof")
        if scope is None:
            if _nearest(node, "vocab") is None and node.tag != "meta":
                errors.append(f"rdfa: property {names[0]!r} has no vocab or typeof around it")
            continue
        props_by_scope.setdefault(scope.mem_id, []).append(node)
    for node in doc.css("[typeof]"):
        if "property" in node.attributes and _nearest(node, "typeof") is not None:
            continue  # a nested item: it is a property value of its parent
        types = tuple(schema_type(t) for t in _tokens(node.attributes.get("typeof")))
        properties: dict[str, list[str]] = {}
        _collect_props(_RDFA, node, props_by_scope, "", properties)
        items.append(
            StructuredItem(
                syntax="rdfa",
                types=types,
                properties={k: tuple(v[:MAX_VALUES]) for k, v in properties.items()},
                raw=(node.html or "")[:MAX_RAW],
            )
        )


# --- shared ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Syntax:
    """The attributes that make properties and nested items in microdata or RDFa Lite."""

    prop: str  # itemprop | property
    nested: str  # itemscope | typeof: the property's value is an item
    type: str  # itemtype | typeof
    url_values: tuple[str, ...]  # attributes holding a URL value


def _collect_props(
    syntax: _Syntax,
    scope: LexborNode,
    props_by_scope: dict[int, list[LexborNode]],
    prefix: str,
    out: dict[str, list[str]],
    *,
    level: int = 0,
) -> None:
    """Properties of the item at `scope`, nested items as dotted names (`offers.price`)."""
    for prop in props_by_scope.get(scope.mem_id, []):
        attrs = prop.attributes
        for name in (attrs.get(syntax.prop) or "").split():
            path = prefix + schema_type(name)
            if syntax.nested in attrs:
                out.setdefault(path, []).append(next(iter(_tokens(attrs.get(syntax.type))), ""))
                if level < MAX_NESTING:
                    _collect_props(syntax, prop, props_by_scope, path + ".", out, level=level + 1)
            else:
                out.setdefault(path, []).append(_node_value(prop, syntax.url_values))


def _nearest(node: LexborNode, attribute: str) -> LexborNode | None:
    """The closest strict ancestor carrying `attribute`."""
    parent = node.parent
    while parent is not None and parent.is_element_node:
        if attribute in parent.attributes:
            return parent
        parent = parent.parent
    return None


def _tokens(value: str | None) -> tuple[str, ...]:
    return tuple(schema_type(token) for token in (value or "").split())


def _node_value(node: LexborNode, url_attributes: tuple[str, ...]) -> str:
    """A property's value: content, then datetime/URL attributes, then the element's text."""
    attrs = node.attributes
    for name in ("content", "datetime", *url_attributes, "value"):
        value = attrs.get(name)
        if value:
            return _text(value)
    return _text(node.text(separator=" "))


_MICRODATA = _Syntax(
    prop="itemprop", nested="itemscope", type="itemtype", url_values=("href", "src", "data")
)
_RDFA = _Syntax(prop="property", nested="typeof", type="typeof", url_values=_RDFA_URL_VALUE)
