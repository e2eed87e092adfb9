"""Required-property checks shared by the schema.org type checks."""

from collections.abc import Collection, Sequence

from siteaudit.checks.base import Failed, Result, failed, not_applicable, passed
from siteaudit.model import Page
from siteaudit.model.page import StructuredItem

MAX_EVIDENCE = 300


def items_of(page: Page, types: Collection[str]) -> list[StructuredItem]:
    """The page's top-level items having one of `types`."""
    return [item for item in page.structured_data if set(item.types) & set(types)]


def present(item: StructuredItem, name: str) -> bool:
    """True when property `name` has at least one non-empty value."""
    return any(value.strip() for value in item.properties.get(name, ()))


def count(item: StructuredItem, name: str) -> int:
    """How many non-empty values property `name` has."""
    return sum(1 for value in item.properties.get(name, ()) if value.strip())


def missing_properties(
    page: Page,
    types: Collection[str],
    required: Sequence[str],
    one_of: Sequence[str] = (),
) -> Result:
    """One failure per item of `types` lacking a `required` property (or all of `one_of`)."""
    items = items_of(page, types)
    if not items:
        return not_applicable()
    failures = []
    for item in items:
        missing = [name for name in required if not present(item, name)]
        if one_of and not any(present(item, name) for name in one_of):
            missing.append(" or ".join(one_of))
        if missing:
            failures.append(describe(item, f"lacks {', '.join(missing)}"))
    return failures or passed()


def describe(item: StructuredItem, problem: str) -> Failed:
    """A failure about one item: its type and syntax, and its source as evidence."""
    kind = "/".join(item.types) or "untyped"
    return failed(
        f"The {kind} item ({item.syntax}) {problem}.",
        evidence=item.raw[:MAX_EVIDENCE],
        locator=f"{item.syntax} {kind}",
    )
