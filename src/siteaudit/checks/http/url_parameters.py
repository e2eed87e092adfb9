"""`url-parameters`: page URLs carry few query parameters."""

from urllib.parse import parse_qsl, urlsplit

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="url-parameters",
    category=Category.HTTP,
    severity=Severity.LOW,
    title="URL has few query parameters",
    failure_title="URL has many query parameters",
    docs=Docs(
        what="Counts the query parameters of the page's URL and compares them with "
        "`max_params` (default 3). Screaming Frog lists every URL with parameters; the "
        "default here flags only the combinations typical of faceted navigation and "
        "session or tracking state.",
        why="Every combination of parameters is a separate URL to crawlers. Filters, "
        "sorting and tracking parameters multiply a few pages into thousands of near "
        "duplicates that eat the crawl budget and split ranking signals.",
        fix="Link to clean URLs, keep state such as sorting or sessions out of crawlable "
        "links, and canonicalise parameter variants to the main URL.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/url-structure",
            "https://developers.google.com/search/docs/crawling-indexing/crawling-managing-faceted-navigation",
        ),
    ),
    options={"max_params": Option(3, "Most query parameters that pass.")},
)
def url_parameters(page: Page, ctx: CheckContext) -> Result:
    """Fails when the URL has more than `max_params` query parameters."""
    params = parse_qsl(urlsplit(page.final_url).query, keep_blank_values=True)
    limit = ctx.int_option("max_params")
    if len(params) > limit:
        names = ", ".join(name for name, _ in params)
        return failed(
            f"The URL has {len(params)} query parameters (more than {limit}): {names}.",
            evidence=page.final_url,
        )
    return passed()
