"""`hreflang-target`: hreflang alternates are working, indexable, canonical pages."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site, SitePage


@site_check(
    id="hreflang-target",
    category=Category.INTERNATIONAL,
    severity=Severity.HIGH,
    title="hreflang targets are indexable",
    failure_title="hreflang points to a broken, redirected, noindexed or non-canonical URL",
    docs=Docs(
        what="Looks up every hreflang target in the crawl and reports those that answered "
        "4xx/5xx or nothing, redirected, are noindex, or declare another URL canonical. "
        "Targets outside the crawl are not judged.",
        why="hreflang must point at the canonical, indexable version of each page; any other "
        "target makes search engines discard the annotation.",
        fix="Point hreflang at the final, canonical, indexable URL of each version.",
        references=(
            "https://developers.google.com/search/docs/specialty/international/localized-versions",
        ),
    ),
)
def hreflang_target(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per hreflang annotation whose target is not an indexable canonical page."""
    pages = site.page_index()
    for page in site.pages:
        for lang, target_url in page.hreflangs:
            target = pages.get(target_url)
            problem = _problem(target) if target is not None else None
            if problem:
                yield failed(
                    f"The {lang} alternate {target_url} {problem}.",
                    evidence=f'hreflang="{lang}" href="{target_url}"',
                    locator=f'link[hreflang="{lang}"]',
                    url=page.url,
                )


def _problem(target: SitePage) -> str | None:
    if target.is_broken:
        return f"is broken ({target.status or target.error_code or 'no response'})"
    if target.redirect_hops or 300 <= (target.status or 0) < 400:
        return f"redirects to {target.final_url}"
    if target.noindex:
        return "is noindex"
    if target.canonical not in {None, target.url, target.final_url}:
        return f"is canonicalised to {target.canonical}"
    return None
