"""`meta-description-empty`: the meta description has text."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="meta-description-empty",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Meta description has text",
    failure_title="Meta description is empty",
    docs=Docs(
        what='Looks for a <meta name="description"> element whose content is empty or only '
        "whitespace. A missing element is the `meta-description` check's.",
        why="An empty description gives search engines nothing to show, so they quote "
        "arbitrary text from the page; it usually means a template field was left blank.",
        fix="Fill in one or two sentences, unique to the page, that say what a visitor will "
        "find, or remove the empty element.",
        references=("https://developers.google.com/search/docs/appearance/snippet",),
    ),
)
def meta_description_empty(page: Page, ctx: CheckContext) -> Result:
    """Fails when the description element is present but empty."""
    content = page.meta_description
    if content is None:
        return not_applicable()
    if not content.strip():
        return failed(
            "The meta description is empty.", evidence='<meta name="description" content="">'
        )
    return passed()
