"""`charset`: the page declares its character encoding."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.checks.on_page._charset import declarations, declared
from siteaudit.model import Category, Page, Severity


@check(
    id="charset",
    category=Category.ON_PAGE,
    severity=Severity.MEDIUM,
    title="Page declares its character encoding",
    failure_title="Page does not declare its character encoding",
    docs=Docs(
        what="Looks for a charset parameter in the Content-Type header, or a <meta charset> "
        '(or <meta http-equiv="Content-Type">) element, as Lighthouse\'s charset audit does, '
        "naming an encoding browsers know (a label of the WHATWG Encoding Standard: "
        "`utf8mb4` or `None` is no declaration to a browser).",
        why="Without a declaration browsers guess the encoding from the bytes; a wrong "
        "guess turns accented letters and symbols into mojibake, and a late guess makes "
        "the browser re-parse the page.",
        fix='Add <meta charset="utf-8"> as the first element of <head> (within the first '
        "1024 bytes), and send Content-Type: text/html; charset=utf-8.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/best-practices/charset",
            "https://html.spec.whatwg.org/multipage/semantics.html#charset",
        ),
    ),
)
def charset(page: Page, ctx: CheckContext) -> Result:
    """Fails when neither the header nor the document declares a charset browsers know."""
    if declared(page) is not None:
        return passed()
    content_type = page.header("content-type") or "(none)"
    unknown = declarations(page)
    if unknown:
        label, where = unknown[0]
        return failed(
            f"The {where} declares the charset {label!r}, which browsers do not know: they"
            " ignore it and guess the encoding from the bytes.",
            evidence=f"charset={label} ({where})",
        )
    return failed(
        "Neither the Content-Type header nor a <meta> element declares a charset.",
        evidence=f"Content-Type: {content_type}",
    )
