"""`url-uppercase`: URL paths are lower case."""

import re
from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@check(
    id="url-uppercase",
    category=Category.HTTP,
    severity=Severity.INFO,
    title="URL path is lower case",
    failure_title="URL path contains upper-case letters",
    docs=Docs(
        what="Looks for upper-case letters in the path of the page's URL (host names are "
        "case-insensitive and percent-escapes such as %2F are ignored).",
        why="Paths are case-sensitive: /Tents and /tents are different URLs to search "
        "engines and to most servers, so mixed case invites duplicate content and broken "
        "links when people type or share the URL.",
        fix="Use lower-case paths, and redirect (301) upper-case variants to them.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/url-structure",
            "https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.1",
        ),
    ),
)
def url_uppercase(page: Page, ctx: CheckContext) -> Result:
    """Fails when the URL path has an upper-case letter outside percent-escapes."""
    path = PERCENT_ESCAPE.sub("", urlsplit(page.final_url).path)
    if path != path.lower():
        return failed("The URL path contains upper-case letters.", evidence=page.final_url)
    return passed()
