"""`heading-empty`: every heading element has text."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="heading-empty",
    category=Category.CONTENT,
    severity=Severity.LOW,
    title="Headings have text",
    failure_title="Page has an empty heading",
    docs=Docs(
        what="Reports each h1-h6 element whose text is empty.",
        why="An empty heading outlines nothing: screen-reader users jumping between headings "
        "land on silence, and search engines lose a signal about the section.",
        fix="Write the heading's text, or remove the element if it is only used for spacing "
        "or styling.",
        references=("https://www.w3.org/WAI/tutorials/page-structure/headings/",),
    ),
)
def heading_empty(page: Page, ctx: CheckContext) -> Result:
    """One failure per empty heading, located by its level and position."""
    failures: list[Failed] = []
    for position, heading in enumerate(page.headings, 1):
        if not heading.text:
            failures.append(
                failed(
                    f"Heading {position} of the page (an <h{heading.level}>) has no text.",
                    evidence=f"<h{heading.level}></h{heading.level}>",
                    locator=f"(//h1 | //h2 | //h3 | //h4 | //h5 | //h6)[{position}]",
                )
            )
    return failures or passed()
