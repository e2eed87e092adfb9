"""`content-language`: the Content-Language header agrees with html lang."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.international._codes import primary
from siteaudit.model import Category, Page, Severity


@check(
    id="content-language",
    category=Category.INTERNATIONAL,
    severity=Severity.LOW,
    title="Content-Language agrees with html lang",
    failure_title="Content-Language header contradicts html lang",
    docs=Docs(
        what="When the response has a Content-Language header and the page an html lang, "
        "requires the primary language of html lang to be among the header's languages.",
        why="Bing and some assistants read Content-Language; a server default (often 'en' "
        "on every locale) contradicting the page makes the language ambiguous.",
        fix="Send the page's language in Content-Language, or drop the header and rely on "
        "html lang.",
        references=("https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Language",),
    ),
)
def content_language(page: Page, ctx: CheckContext) -> Result:
    """Fails when Content-Language names none of html lang's language."""
    header = page.header("content-language")
    if not header or not page.lang:
        return not_applicable()
    languages = {primary(part) for part in header.split(",") if part.strip()}
    if primary(page.lang) in languages:
        return passed()
    return failed(
        f"Content-Language is {header!r} but html lang is {page.lang!r}.",
        evidence=f"Content-Language: {header}",
    )
