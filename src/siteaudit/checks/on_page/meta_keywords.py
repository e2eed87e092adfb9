"""`meta-keywords`: the page does not publish a keyword list."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="meta-keywords",
    category=Category.ON_PAGE,
    severity=Severity.INFO,
    title="Page has no meta keywords",
    failure_title="Page has an obsolete meta keywords tag",
    docs=Docs(
        what='Looks for <meta name="keywords"> with content.',
        why="Google has ignored the keywords meta tag for ranking since 2009 and Bing "
        "treats stuffed keyword lists as a spam signal; the tag only shows competitors "
        "which terms you target.",
        fix="Remove the tag (and the CMS field that fills it).",
        references=(
            "https://developers.google.com/search/blog/2009/09/google-does-not-use-keywords-meta-tag",
            "https://developers.google.com/search/docs/crawling-indexing/special-tags",
        ),
    ),
)
def meta_keywords(page: Page, ctx: CheckContext) -> Result:
    """Fails when a non-empty keywords meta tag is present."""
    content = (page.meta.get("keywords") or "").strip()
    if content:
        return failed("The page has a meta keywords tag.", evidence=content)
    return passed()
