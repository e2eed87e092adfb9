"""`html-lang-hreflang`: the page's language matches its own hreflang."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.international._codes import primary
from siteaudit.model import Category, Page, Severity


@check(
    id="html-lang-hreflang",
    category=Category.INTERNATIONAL,
    severity=Severity.LOW,
    title="html lang matches the self hreflang",
    failure_title="html lang disagrees with the page's own hreflang",
    docs=Docs(
        what="Compares the primary language of <html lang> with the language of the "
        "hreflang annotation that points at the page itself (x-default is ignored).",
        why="A page declaring lang=en while its hreflang says it is the German version "
        "sends contradictory signals; one of them is a template mistake.",
        fix="Set html lang to the page's real language and make its self-referencing "
        "hreflang say the same.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def html_lang_hreflang(page: Page, ctx: CheckContext) -> Result:
    """Fails when the self hreflang's language differs from html lang's."""
    own = [
        a.lang
        for a in page.hreflangs
        if a.url in {page.url, page.final_url} and a.lang.lower() != "x-default"
    ]
    if not page.lang or not own:
        return not_applicable()
    if primary(page.lang) in {primary(code) for code in own}:
        return passed()
    return failed(
        f"html lang is {page.lang!r} but the page's own hreflang is {own[0]!r}.",
        evidence=f'<html lang="{page.lang}">, hreflang="{own[0]}"',
    )
