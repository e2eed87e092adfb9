"""`charset-not-utf8`: the page is encoded in UTF-8."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable, passed
from siteaudit.checks.on_page._charset import declared
from siteaudit.model import Category, Page, Severity


@check(
    id="charset-not-utf8",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Page is encoded in UTF-8",
    failure_title="Page uses a legacy character encoding",
    docs=Docs(
        what="Reads the declared encoding (the Content-Type header first, then <meta>, as "
        "browsers do) and fails when it is anything but UTF-8 (by any of its labels: utf8, "
        "unicode-1-1-utf-8...). Pages without a declaration browsers know are the `charset` "
        "check's.",
        why="The HTML standard requires UTF-8 for new documents. Legacy encodings such as "
        "ISO-8859-1 or Windows-1252 cannot represent most characters, so names, quotes "
        "and user input get mangled, and form submissions arrive in the page's encoding.",
        fix="Save the templates as UTF-8, convert stored text, and declare charset=utf-8.",
        references=(
            "https://html.spec.whatwg.org/multipage/semantics.html#charset",
            "https://developer.mozilla.org/docs/Web/HTML/Element/meta#charset",
        ),
    ),
)
def charset_not_utf8(page: Page, ctx: CheckContext) -> Result:
    """Fails when the declared charset is not UTF-8."""
    found = declared(page)
    if found is None:
        return not_applicable()  # (no declaration a browser knows: `charset`'s)
    name, where, codec = found
    if codec == "utf-8":
        return passed()
    return failed(f"The page declares the {name} encoding in its {where}.", evidence=name)
