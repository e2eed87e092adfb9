"""`heading-order`: heading levels go down one step at a time."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="heading-order",
    category=Category.ACCESSIBILITY,
    severity=Severity.LOW,
    title="Heading levels are not skipped",
    failure_title="Heading level is skipped",
    docs=Docs(
        what="Walks the page's h1-h6 in document order and reports each heading that is more "
        "than one level deeper than the heading before it (an h2 followed by an h4). Going "
        "back up any number of levels is fine.",
        why="Screen-reader users navigate by headings and infer the outline from the levels; "
        "a skipped level suggests a missing section. Search engines also read the outline. "
        "This is axe-core's heading-order rule (a best practice, moderate impact).",
        fix="Use the next level down for a subsection (h2 -> h3) and style headings with "
        "CSS rather than picking a level for its size.",
        references=("https://dequeuniversity.com/rules/axe/4.8/heading-order",),
    ),
)
def heading_order(page: Page, ctx: CheckContext) -> Result:
    """One failure per heading that skips a level."""
    failures: list[Failed] = []
    previous = None
    for position, heading in enumerate(page.headings, 1):
        if previous is not None and heading.level > previous.level + 1:
            failures.append(
                failed(
                    f"An <h{heading.level}> follows an <h{previous.level}>, skipping "
                    f"level {previous.level + 1}.",
                    evidence=f"h{previous.level} {previous.text!r} -> h{heading.level} "
                    f"{heading.text!r}",
                    locator=f"(//h1 | //h2 | //h3 | //h4 | //h5 | //h6)[{position}]",
                )
            )
        previous = heading
    return failures or passed()
