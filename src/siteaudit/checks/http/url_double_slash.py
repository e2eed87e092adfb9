"""`url-double-slash`: URL paths have no empty segments."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="url-double-slash",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="URL path has no double slashes",
    failure_title="URL path contains a double slash",
    docs=Docs(
        what="Looks for `//` in the path of the page's URL.",
        why="Most servers serve /a//b and /a/b alike, so a double slash creates a duplicate "
        "URL, and it usually reveals a template bug (a base URL with a trailing slash "
        "joined to a path with a leading one) that relative links then repeat.",
        fix="Fix the link template so paths are joined with one slash, and redirect the "
        "double-slash URLs to the clean ones.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/url-structure",
            "https://www.rfc-editor.org/rfc/rfc3986#section-3.3",
        ),
    ),
)
def url_double_slash(page: Page, ctx: CheckContext) -> Result:
    """Fails when the URL path contains an empty segment."""
    if "//" in urlsplit(page.final_url).path:
        return failed("The URL path contains a double slash.", evidence=page.final_url)
    return passed()
