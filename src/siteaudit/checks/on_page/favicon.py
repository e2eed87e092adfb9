"""`favicon`: the home page declares a favicon for search results and tabs."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.model import Category, Page, Severity

ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed"})


@check(
    id="favicon",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Home page declares a favicon",
    failure_title="Home page declares no favicon",
    docs=Docs(
        what="On the home page (the scan's start URL or a root path), looks for a "
        '<link rel="icon"> (or shortcut icon / apple-touch-icon). Other pages are not '
        "applicable: Google reads the favicon from the home page.",
        why="Google shows the favicon next to every result of the site and reads it from "
        "the home page's <link rel=icon>; without it results show a generic globe. "
        "Browsers also fall back to requesting /favicon.ico, which is often a 404.",
        fix='Add <link rel="icon" href="/favicon.svg"> (square, at least 48x48 px) to the '
        "home page's <head>.",
        references=(
            "https://developers.google.com/search/docs/appearance/favicon-in-search",
            "https://developer.mozilla.org/docs/Web/HTML/Attributes/rel#icon",
        ),
    ),
)
def favicon(page: Page, ctx: CheckContext) -> Result:
    """Fails when the home page has no icon link; N/A on other pages."""
    is_home = urlsplit(page.final_url).path in {"", "/"} or ctx.start_url in {
        page.url,
        page.final_url,
    }
    if not is_home:
        return not_applicable()
    if any(ICON_RELS & set(link.rel) for link in page.link_rels):
        return passed()
    return failed('The home page has no <link rel="icon"> element.', evidence=page.final_url)
