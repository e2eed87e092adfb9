"""Document structure and subresources: doctype, scripts, stylesheets, <link>s.

Part of extraction (see `extraction.py`): these functions read the parsed document and never
mutate it (its size and depth are `Document`'s). Every URL is made absolute with the
extractor's `resolve`, so `data:` and `javascript:` sources are left out of `resources`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from siteaudit.model.page import LinkRel, Resource, Script, Stylesheet
from siteaudit.pipeline.extraction_dom import Document

Resolve = Callable[[str, str], "str | None"]

_DOCTYPE = re.compile(r"<!doctype\s+([^\s>]+)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Script types browsers execute; anything else (JSON-LD, templates) is a data block.
JAVASCRIPT_TYPES = frozenset(
    {
        "",
        "module",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-javascript",
        "text/jscript",
    }
)
FONT_EXTENSIONS = (".woff2", ".woff", ".ttf", ".otf", ".eot")
MEDIA_SELECTOR = "video[src], audio[src], source[src], video[poster], track[src]"


def doctype(text: str) -> str | None:
    """The doctype name ("html") of a decoded document, lower-cased; None without one.

    Lexbor does not expose the doctype node, so the first kilobyte is read: a doctype must
    come before any element, after at most a BOM, an XML declaration and comments.
    """
    head = _COMMENT.sub("", text[:1024])
    found = _DOCTYPE.search(head)
    if found is None or "<" in head[: found.start()].replace("<?xml", "", 1):
        return None
    return found.group(1).lower()


def first_candidate(srcset: str) -> str | None:
    """The URL of a srcset's first image candidate, as the HTML standard reads it: after
    any whitespace and commas, the run of characters up to whitespace, less trailing
    commas (a URL may hold commas: "w_100,h_50/p.jpg 1x"); None when there is none."""
    words = srcset.lstrip(" \t\n\r\f,").split(maxsplit=1)
    return (words[0].rstrip(",") or None) if words else None


def scripts(doc: Document, base: str, resolve: Resolve) -> tuple[Script, ...]:
    """Every JavaScript <script> in document order; data blocks such as JSON-LD are skipped."""
    head = doc.tree.head
    # The first scripts of the head are among the first scripts.
    head_ids = {node.mem_id for node in doc.capped("script", "scripts", head)} if head else set()
    found = []
    for node in doc.capped("script", "scripts"):
        attrs = node.attributes
        kind = (attrs.get("type") or "").strip().lower()
        if kind not in JAVASCRIPT_TYPES:
            continue
        src = (attrs.get("src") or "").strip()
        found.append(
            Script(
                src=(resolve(base, src) or src) if src else None,
                in_head=node.mem_id in head_ids,
                is_async="async" in attrs,
                is_defer="defer" in attrs,
                is_module=kind == "module",
                type=kind,
                inline_bytes=0 if src else len(node.text().encode()),
                integrity=attrs.get("integrity"),
                crossorigin=attrs.get("crossorigin"),
            )
        )
    return tuple(found)


def links(
    doc: Document, base: str, resolve: Resolve
) -> tuple[tuple[Stylesheet, ...], tuple[LinkRel, ...]]:
    """<link rel=stylesheet> elements, and every other <link> with an href."""
    head = doc.tree.head
    # The first <link>s of the head are among the first <link>s.
    in_head = doc.capped("link[href]", "<link> elements", head) if head else []
    head_ids = {node.mem_id for node in in_head}
    sheets: list[Stylesheet] = []
    others: list[LinkRel] = []
    for node in doc.capped("link[href]", "<link> elements"):
        attrs = node.attributes
        url = resolve(base, attrs.get("href") or "")
        if url is None:
            continue
        rel = tuple((attrs.get("rel") or "").lower().split())
        if "stylesheet" in rel:
            sheets.append(
                Stylesheet(
                    href=url,
                    in_head=node.mem_id in head_ids,
                    media=(attrs.get("media") or "").strip(),
                    integrity=attrs.get("integrity"),
                )
            )
        else:
            others.append(
                LinkRel(
                    rel=rel,
                    href=url,
                    hreflang=attrs.get("hreflang"),
                    type=attrs.get("type"),
                    media=attrs.get("media"),
                )
            )
    return tuple(sheets), tuple(others)


def resources(  # noqa: PLR0917 - the parts already read are passed in, not re-read
    doc: Document,
    base: str,
    resolve: Resolve,
    found_scripts: tuple[Script, ...],
    sheets: tuple[Stylesheet, ...],
    link_rels: tuple[LinkRel, ...],
) -> tuple[Resource, ...]:
    """Every subresource URL the page loads, once per (kind, URL), in a stable order."""
    found: dict[tuple[str, str], None] = {}

    def add(kind: str, raw: str | None) -> None:
        url = resolve(base, raw) if raw else None
        if url is not None:
            found.setdefault((kind, url), None)

    for script in found_scripts:  # a src no browser could load is kept as written: not one
        add("script", script.src)
    for sheet in sheets:
        found.setdefault(("stylesheet", sheet.href), None)
    for node in doc.capped("img", "images"):
        attrs = node.attributes
        add("image", attrs.get("src"))
        add("image", first_candidate(attrs.get("srcset") or ""))
    for node in doc.capped("iframe[src]", "iframes"):
        add("iframe", node.attributes.get("src"))
    for node in doc.capped(MEDIA_SELECTOR, "audio and video elements"):
        attrs = node.attributes
        add("media", attrs.get("src"))
        add("image", attrs.get("poster"))
    for link in link_rels:
        kind = _link_kind(link)
        if kind is not None:
            found.setdefault((kind, link.href), None)
    return tuple(Resource(kind=kind, url=url) for kind, url in found)


def _link_kind(link: LinkRel) -> str | None:
    """The resource kind a <link> loads, or None for links that load nothing (prev, next...)."""
    if "preload" in link.rel or "modulepreload" in link.rel:
        path = link.href.split("?", 1)[0].lower()
        is_font = (link.type or "").startswith("font/") or path.endswith(FONT_EXTENSIONS)
        return "font" if is_font else "other"
    if "icon" in link.rel or "apple-touch-icon" in link.rel:
        return "image"
    return None


def inline_style_bytes(doc: Document) -> int:
    """UTF-8 size of the text of every <style> element."""
    return sum(len(node.text().encode()) for node in doc.css("style"))
