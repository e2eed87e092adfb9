"""`duplicate-id`: id attribute values are unique on the page."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="duplicate-id",
    category=Category.ACCESSIBILITY,
    severity=Severity.LOW,
    title="Element ids are unique",
    failure_title="Several elements share an id",
    docs=Docs(
        what="Reports each id value used by more than one element.",
        why="Labels (for=), aria-labelledby, aria-describedby and skip links point at ids; "
        "with duplicates they reach the first element only, so the wrong thing is read or "
        "focused. HTML requires ids to be unique. axe-core now reports only duplicates "
        "that are referenced, hence the low severity here.",
        fix="Give every element a unique id (templates that repeat a component usually need "
        "a suffix).",
        references=("https://dequeuniversity.com/rules/axe/4.8/duplicate-id-aria",),
    ),
)
def duplicate_id(page: Page, ctx: CheckContext) -> Result:
    """One failure per duplicated id value."""
    failures = [
        failed(
            f"The id {value!r} is used by several elements.",
            evidence=f'id="{value}"',
            locator=f"#{value}",
        )
        for value in page.duplicate_ids
    ]
    return failures or passed()
