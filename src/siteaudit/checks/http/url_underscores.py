"""`url-underscores`: URL paths separate words with hyphens."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="url-underscores",
    category=Category.HTTP,
    severity=Severity.INFO,
    title="URL path uses hyphens between words",
    failure_title="URL path uses underscores",
    docs=Docs(
        what="Looks for underscores in the path of the page's URL.",
        why="Google recommends hyphens to separate words in URLs: an underscore can join "
        "the words into one token, so `summer_tents` may not match a search for "
        '"summer tents". Underscores are also hidden by the underline of links.',
        fix="Use hyphens in new URLs. Renaming existing URLs needs 301 redirects; it is "
        "rarely worth it for established pages.",
        references=("https://developers.google.com/search/docs/crawling-indexing/url-structure",),
    ),
)
def url_underscores(page: Page, ctx: CheckContext) -> Result:
    """Fails when the URL path contains an underscore."""
    if "_" in urlsplit(page.final_url).path:
        return failed("The URL path contains underscores.", evidence=page.final_url)
    return passed()
