"""`main-content`: the page marks up a main content area that holds text."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="main-content",
    category=Category.CONTENT,
    severity=Severity.LOW,
    title="Main content is identifiable",
    failure_title="Main content is missing or nearly empty",
    docs=Docs(
        what="Fails when the page has no <main>, [role=main] or <article> and the body "
        "without its nav/header/footer/aside holds fewer than `min_bytes` bytes of text, "
        "or when the marked main area itself holds fewer than `min_bytes` while the page "
        "shows much more text elsewhere.",
        why="Search engines, reader modes and AI assistants look for the main content; when "
        "it is empty or unmarked they guess, and boilerplate can win.",
        fix="Wrap the page's own content in <main> (or <article>) and make sure it is "
        "rendered in the HTML rather than only by JavaScript.",
        references=("https://developer.mozilla.org/en-US/docs/Web/HTML/Element/main",),
    ),
    options={"min_bytes": Option(200, "Fewest bytes of text the main content may hold.")},
)
def main_content(page: Page, ctx: CheckContext) -> Result:
    """Fails when the main text is under `min_bytes` although the page has more text."""
    if page.status != 200:
        return not_applicable()
    minimum = ctx.int_option("min_bytes")
    if page.main_text_bytes >= minimum:
        return passed()
    marked = "main" in page.landmarks or page.main_text_bytes != page.text_bytes
    where = "the main content area" if marked else "the page (outside navigation and footer)"
    return failed(
        f"Only {page.main_text_bytes} bytes of text in {where}; at least {minimum} expected.",
        evidence=f"main text {page.main_text_bytes} bytes of {page.text_bytes} visible",
    )
