"""`html-lang-code`: the html lang attribute is a valid language tag."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.international._codes import code_problem
from siteaudit.model import Category, Page, Severity


@check(
    id="html-lang-code",
    category=Category.INTERNATIONAL,
    severity=Severity.MEDIUM,
    title="html lang is a valid language tag",
    failure_title="html lang is not a valid language tag",
    docs=Docs(
        what="Validates <html lang> as a BCP 47 tag: a known ISO 639-1 (or any three-letter) "
        "language, optional script, optional ISO 3166-1 or numeric region. A missing lang "
        "is html-lang's business.",
        why="Screen readers pick their voice and pronunciation from lang, browsers their "
        "hyphenation and translation offer; an invalid value is ignored (axe-core "
        "html-lang-valid).",
        fix="Use a valid tag such as en, en-GB, pt-BR or zh-Hant.",
        references=("https://dequeuniversity.com/rules/axe/4.8/html-lang-valid",),
    ),
)
def html_lang_code(page: Page, ctx: CheckContext) -> Result:
    """Fails when lang is present but not a valid tag."""
    if not page.lang:
        return not_applicable()
    problem = code_problem(page.lang, hreflang=False)
    if problem is None:
        return passed()
    return failed(f"html lang {page.lang!r}: {problem}.", evidence=f'<html lang="{page.lang}">')
