"""`hreflang-code`: hreflang values are valid language-region codes."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Failed,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.checks.international._codes import code_problem
from siteaudit.model import Category, Page, Severity


@check(
    id="hreflang-code",
    category=Category.INTERNATIONAL,
    severity=Severity.HIGH,
    title="hreflang codes are valid",
    failure_title="hreflang code is invalid",
    docs=Docs(
        what="Validates each hreflang value: an ISO 639-1 language, optionally a script "
        "and an ISO 3166-1 alpha-2 region (en, en-GB, zh-Hant-TW), or x-default.",
        why="Google ignores annotations with invalid codes, so the alternate is never "
        "shown to its audience. 'en-UK' (the region is GB) and 'EU' are classic mistakes.",
        fix="Use the language code first, then the country code: en-GB, pt-BR, es-MX.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_code(page: Page, ctx: CheckContext) -> Result:
    """One failure per hreflang annotation with an invalid code."""
    if not page.hreflangs:
        return not_applicable()
    failures: list[Failed] = []
    for annotation in page.hreflangs:
        problem = code_problem(annotation.lang, hreflang=True)
        if problem:
            failures.append(
                failed(
                    f"hreflang {annotation.lang!r}: {problem}.",
                    evidence=f'hreflang="{annotation.lang}" href="{annotation.url}"',
                    locator=f'link[hreflang="{annotation.lang}"]',
                )
            )
    return failures or passed()
