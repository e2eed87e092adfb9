"""`html-lang`: the document declares its language."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="html-lang",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Document declares its language",
    failure_title="<html> has no lang attribute",
    docs=Docs(
        what="Looks for a non-empty lang attribute on the <html> element.",
        why="Screen readers choose their voice and pronunciation from it (WCAG 3.1.1), "
        "browsers offer translation by it, and search engines use it as a language hint.",
        fix='Add the page\'s primary language as a BCP 47 tag: <html lang="en">.',
        references=(
            "https://www.w3.org/WAI/WCAG21/Understanding/language-of-page.html",
            "https://developer.mozilla.org/docs/Web/HTML/Global_attributes/lang",
        ),
    ),
)
def html_lang(page: Page, ctx: CheckContext) -> Result:
    """Fails when <html> has no lang attribute or an empty one."""
    if page.lang is None:
        return failed("The <html> element has no lang attribute.")
    if not page.lang:
        return failed("The <html> element's lang attribute is empty.", evidence='lang=""')
    return passed()
