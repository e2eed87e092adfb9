"""`content-type-missing`: every response says what it is."""

from siteaudit.checks.base import (
    Applies,
    CheckContext,
    Docs,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity


@check(
    id="content-type-missing",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Response declares its Content-Type",
    failure_title="Response has no Content-Type header",
    docs=Docs(
        what="Fails successful (2xx) responses with a body that carry no Content-Type header.",
        why="Without a media type browsers guess (MIME sniffing), which can render an "
        "upload as HTML and run script in it; with X-Content-Type-Options: nosniff they "
        "refuse scripts and styles outright. Search engines may not index a document whose "
        "type they cannot tell.",
        fix="Configure the server to send the right Content-Type (with charset=utf-8 for "
        "text), e.g. through its MIME type table.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Type",
            "https://developer.mozilla.org/docs/Web/HTTP/Basics_of_HTTP/MIME_types",
        ),
    ),
    applies=Applies.RESPONSE,
)
def content_type_missing(page: Page, ctx: CheckContext) -> Result:
    """Fails on a 2xx response with a body but no Content-Type; N/A otherwise, and for a
    redirect (its final response belongs to its target)."""
    ok = page.status is not None and 200 <= page.status < 300
    if not ok or page.size_bytes == 0 or page.redirects:
        return not_applicable()
    if page.header("content-type") is None:
        return failed("The response has no Content-Type header.", evidence=f"HTTP {page.status}")
    return passed()
