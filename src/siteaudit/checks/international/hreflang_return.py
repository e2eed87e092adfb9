"""`hreflang-return`: hreflang alternates link back (reciprocity)."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="hreflang-return",
    category=Category.INTERNATIONAL,
    severity=Severity.HIGH,
    title="hreflang alternates link back",
    failure_title="hreflang alternate has no return link",
    docs=Docs(
        what="For every hreflang annotation from page A to a crawled HTML page B (other than "
        "A), requires B to carry an hreflang annotation pointing back at A. Targets that "
        "were not crawled, or that are broken or redirected, are left to hreflang-target.",
        why="Google only trusts hreflang pairs confirmed from both sides, so that no site "
        "can claim to be another's translation; a missing return link voids the pair.",
        fix="Give every version the same complete hreflang set, including itself.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_return(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per (page, alternate) pair whose alternate does not link back."""
    pages = site.page_index()
    for page in site.pages:
        own = {page.url, page.final_url}
        for lang, target_url in page.hreflangs:
            target = pages.get(target_url)
            if target is None or target_url in own or not target.is_html or target.status != 200:
                continue
            if not any(url in own for _, url in target.hreflangs):
                yield failed(
                    f"The {lang} alternate {target_url} has no hreflang link back to this page.",
                    evidence=f"{target_url} lists: "
                    + (", ".join(f"{code}={url}" for code, url in target.hreflangs[:5]) or "none"),
                    locator=f'link[hreflang="{lang}"]',
                    url=page.url,
                )
