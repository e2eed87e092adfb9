"""`hreflang-duplicate`: each hreflang code points to one URL."""

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
from siteaudit.model import Category, Page, Severity


@check(
    id="hreflang-duplicate",
    category=Category.INTERNATIONAL,
    severity=Severity.MEDIUM,
    title="hreflang codes are unique",
    failure_title="hreflang code points to several URLs",
    docs=Docs(
        what="Reports hreflang codes (compared case-insensitively) listed with two or more "
        "different URLs on the same page.",
        why="When one language-region maps to several URLs, search engines cannot tell which "
        "to show and may drop the annotations.",
        fix="Keep one URL per hreflang code; use different regions (en-US, en-GB) for "
        "genuinely different versions.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_duplicate(page: Page, ctx: CheckContext) -> Result:
    """One failure per code listed with several URLs."""
    if not page.hreflangs:
        return not_applicable()
    urls: dict[str, list[str]] = {}
    for annotation in page.hreflangs:
        targets = urls.setdefault(annotation.lang.lower(), [])
        if annotation.url not in targets:
            targets.append(annotation.url)
    failures: list[Failed] = [
        failed(
            f"hreflang {code!r} points to {len(targets)} different URLs.",
            evidence=" | ".join(targets[:5]),
            locator=f'link[hreflang="{code}"]',
        )
        for code, targets in urls.items()
        if len(targets) > 1
    ]
    return failures or passed()
