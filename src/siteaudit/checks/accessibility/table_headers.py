"""`table-headers`: Data tables have header cells."""

from siteaudit.checks.accessibility._elements import element_failures
from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.model import Category, Page, Severity


@check(
    id="table-headers",
    category=Category.ACCESSIBILITY,
    severity=Severity.LOW,
    title="Data tables have header cells",
    failure_title="Data table has no header cells",
    docs=Docs(
        what="Reports data tables with no <th> cell. Small grids (fewer than 3 rows, or a single "
        "column), nested layout tables and tables with role=presentation or none are treated as "
        "layout and skipped.",
        why="Header cells tell screen-reader users which column and row a value belongs to; "
        "without "
        "them a table is a stream of numbers. WCAG 1.3.1.",
        fix='Mark the header row (and row headers) with <th scope="col"> / <th scope="row">; give '
        'layout tables role="presentation" or use CSS instead.',
        references=("https://www.w3.org/WAI/tutorials/tables/",),
    ),
)
def table_headers(page: Page, ctx: CheckContext) -> Result:
    """One failure per element in `Page.tables_without_headers`."""
    return element_failures(
        page.tables_without_headers, "The table {locator} has no <th> header cells."
    )
