"""Render the check catalogue as Markdown: one page per check plus an index.

`render_docs` is pure: it maps file names (relative to `docs/checks/`) to their text, in a
deterministic order, so a test can compare the committed files with what the catalogue says
today. `write_docs` is the one function here that touches the disk;
`siteaudit checks --docs DIR` calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from pathlib import Path

from siteaudit.checks.base import Applies, Check, Option
from siteaudit.model import Category

INDEX = "README.md"
REGENERATE = "siteaudit checks --docs docs/checks"

_APPLIES = {
    Applies.HTML: "every page that answered with an HTML document",
    Applies.RESPONSE: "every fetched URL, whatever it answered",
    Applies.SITE: "the whole crawl at once; failures are reported on the pages they name",
}


def page_name(item: Check) -> str:
    """The file name of a check's page: `<check-id>.md`."""
    return f"{item.id}.md"


def render_docs(checks: Iterable[Check]) -> dict[str, str]:
    """Every docs file for `checks`: the index first, then one page per check by id."""
    ordered = sorted(checks, key=_category_order)
    files = {INDEX: render_index(ordered)}
    for item in sorted(ordered, key=lambda c: c.id):
        files[page_name(item)] = render_page(item)
    return files


def render_page(item: Check) -> str:
    """The Markdown page of one check."""
    scope = "site" if item.is_site_check else "page"
    applies = _APPLIES[item.applies]
    if item.whole_site:
        scope = "site, scored as one unit (it passes or fails for the site as a whole)"
        applies = "the whole crawl at once"
    lines = [
        _HEADER,
        f"# {_prose(item.title)}",
        "",
        f"When it fails: **{_prose(item.failure_title)}**",
        "",
        "| | |",
        "|---|---|",
        f"| Id | `{item.id}` |",
        f"| Category | {item.category.value} |",
        f"| Severity | {item.severity.value} |",
        f"| Scope | {scope} |",
        f"| Applies to | {applies} |",
        "",
        "## What it checks",
        "",
        _prose(item.docs.what.strip()),
        "",
        "## Why it matters",
        "",
        _prose(item.docs.why.strip()),
        "",
        "## How to fix",
        "",
        _prose(item.docs.fix.strip()),
        "",
        *_options_section(item.id, item.options),
        *_references_section(item.docs.references),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_index(checks: Iterable[Check]) -> str:
    """The index page: every check in a table per category, with counts."""
    ordered = sorted(checks, key=_category_order)
    lines = [_HEADER, "# Check catalogue", "", f"{len(ordered)} checks.", ""]
    lines += ["| Category | Checks |", "|---|---:|"]
    groups = [(cat, list(items)) for cat, items in groupby(ordered, key=lambda c: c.category)]
    lines += [f"| [{cat.value}](#{cat.value}) | {len(items)} |" for cat, items in groups]
    for cat, items in groups:
        lines += ["", f"## {cat.value}", "", "| Check | Severity | Scope | Title |"]
        lines.append("|---|---|---|---|")
        lines += [_index_row(item) for item in items]
    return "\n".join(lines) + "\n"


_HEADER = f"<!-- Generated from the check catalogue by `{REGENERATE}`; do not edit. -->\n"
_CATEGORY_RANK = {category: rank for rank, category in enumerate(Category)}


def _category_order(item: Check) -> tuple[int, str]:
    # Categories in their declared (DESIGN.md) order, checks by id inside each.
    return (_CATEGORY_RANK.get(item.category, len(_CATEGORY_RANK)), item.id)


def _index_row(item: Check) -> str:
    scope = "site (one unit)" if item.whole_site else "site" if item.is_site_check else "page"
    link = f"[`{item.id}`]({page_name(item)})"
    return f"| {link} | {item.severity.value} | {scope} | {_cell(item.title)} |"


def _options_section(check_id: str, options: Mapping[str, Option]) -> list[str]:
    lines = ["## Options", ""]
    if not options:
        return [*lines, "None.", ""]
    lines += ["| Option | Default | Description |", "|---|---|---|"]
    for name in sorted(options):
        option = options[name]
        lines.append(f"| `{name}` | `{option.default!r}` | {_cell(option.description)} |")
    lines += ["", "Override in `siteaudit.toml`:", "", "```toml"]
    lines += [f'[checks.options."{check_id}"]']
    lines += [f"{name} = {_toml(options[name].default)}" for name in sorted(options)]
    return [*lines, "```", ""]


def _references_section(references: tuple[str, ...]) -> list[str]:
    if not references:
        return []
    return ["## References", "", *(f"- <{ref}>" for ref in references), ""]


def _cell(text: str) -> str:
    # A table cell must stay on one line and must not end the cell early.
    return _prose(" ".join(text.split())).replace("|", "\\|")


def _prose(text: str) -> str:
    """Escape `<` outside code spans, so `<title>` in a doc reads as text, not as HTML."""
    parts = text.split("`")
    # Even-numbered parts are outside backticks; an unmatched backtick leaves the rest as prose.
    return "`".join(
        part.replace("<", "&lt;") if i % 2 == 0 else part for i, part in enumerate(parts)
    )


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def write_docs(files: Mapping[str, str], directory: Path) -> list[Path]:
    """Write `files` into `directory` and delete generated pages no longer in `files`.

    Only Markdown files that start with the generated header are deleted, so notes a person
    keeps in the same folder survive. Returns the paths written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in sorted(directory.glob("*.md")):
        if stale.name not in files and stale.read_text(encoding="utf-8").startswith(_HEADER):
            stale.unlink()
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
