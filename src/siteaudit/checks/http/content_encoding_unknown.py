"""`content-encoding-unknown`: a response's Content-Encoding is one browsers decode."""

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
from siteaudit.model.page import unknown_coding


@check(
    id="content-encoding-unknown",
    category=Category.HTTP,
    severity=Severity.MEDIUM,
    title="Response's Content-Encoding is one browsers decode",
    failure_title="Response has a Content-Encoding browsers do not know",
    docs=Docs(
        what="Fails responses whose Content-Encoding header names something other than the "
        "compressions browsers decode (gzip, deflate, br, zstd) or identity: a character set "
        "(`UTF-8`), `none`, `binary`, `text/html`, or an old compression such as `compress`.",
        why="Content-Encoding says how the body was compressed, not what character set it "
        "is in. Browsers ignore a coding they do not know and show the bytes as they came, "
        "so a mislabelled page still shows; but a body really compressed that way shows as "
        "garbage, and stricter clients (curl --compressed, some proxies and CDNs) refuse "
        "the response outright.",
        fix="Remove the header, or send the compression the body really has (gzip or br); "
        "put a character set in Content-Type (`text/html; charset=utf-8`). The usual cause is "
        "an application setting `Content-Encoding: UTF-8` by hand.",
        references=(
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Encoding",
            "https://www.rfc-editor.org/rfc/rfc9110#name-content-encoding",
        ),
    ),
    applies=Applies.RESPONSE,
)
def content_encoding_unknown(page: Page, ctx: CheckContext) -> Result:
    """Fails on a response whose Content-Encoding names a coding browsers do not decode;
    N/A for a redirect (its final response belongs to its target)."""
    if page.status is None or page.redirects:
        return not_applicable()
    header = page.header("content-encoding")
    coding = unknown_coding(header)
    if coding is None:
        return passed()
    return failed(
        f"Content-Encoding names {coding!r}, which browsers do not decode: they show the "
        "body as it came.",
        evidence=f"Content-Encoding: {header}",
    )
