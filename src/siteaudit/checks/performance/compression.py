"""`compression`: the HTML is sent compressed."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import CONTENT_CODINGS

# What browsers decompress: `UTF-8` or `compress` in Content-Encoding is no compression a
# visitor gets (`content-encoding-unknown` reports the header itself).
CODINGS = CONTENT_CODINGS - {"identity"}


@check(
    id="compression",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    title="HTML is served compressed",
    failure_title="HTML is served without compression",
    docs=Docs(
        what="Looks for a Content-Encoding (gzip, br, zstd or deflate) on HTML responses "
        "larger than `min_bytes` (default 1,400 bytes, Lighthouse's floor for "
        "text-compression savings). The crawler advertises gzip, deflate, br and zstd, so "
        "an uncompressed answer is the server's choice.",
        why="HTML typically shrinks by 70-80% with gzip or Brotli; sending it uncompressed "
        "makes every page view download several times more bytes before it can render.",
        fix="Enable gzip or Brotli for text/html (and CSS, JS, JSON, SVG) in the web server "
        "or CDN, e.g. `gzip on; gzip_types text/css application/javascript;` in nginx "
        "(text/html is compressed by default once gzip is on).",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/uses-text-compression",
            "https://developer.mozilla.org/docs/Web/HTTP/Compression",
        ),
    ),
    options={"min_bytes": Option(1400, "Smallest document, in bytes, that must be compressed.")},
)
def compression(page: Page, ctx: CheckContext) -> Result:
    """Fails when a large enough HTML response has no Content-Encoding."""
    if page.size_bytes < ctx.int_option("min_bytes"):
        return not_applicable()
    encoding = (page.header("content-encoding") or "").lower()
    if {part.strip() for part in encoding.split(",")} & CODINGS:
        return passed()
    return failed(
        f"The {page.size_bytes:,}-byte HTML document was sent without compression.",
        evidence=f"Content-Encoding: {encoding or '(none)'}",
    )
