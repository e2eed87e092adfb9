"""What `broken-link` and `external-link-broken` say about one link to a failing URL."""

from siteaudit.checks.base import Failed, failed
from siteaudit.model.page import CONTENT

# How the evidence names a link's place on its page (model.page.LINK_POSITIONS).
_WHERE = {
    "navigation": "in the navigation",
    "header": "in the header",
    "footer": "in the footer",
    "aside": "in a sidebar",
}


def broken_target(  # noqa: PLR0917 (a link's fields, as SiteLink and BrokenExternal hold them)
    source: str,
    target: str,
    text: str,
    status: int | None,
    error_code: str | None,
    position: str = CONTENT,
    *,
    no_answer: str,
) -> Failed:
    """The failure on `source` for its link to `target`, which answered `status` or, without
    one, `no_answer` ("could not be fetched", "could not be reached") with `error_code`; the
    evidence says where on the page the link is, unless in its content."""
    if status is not None:
        answer = f"answered HTTP {status}"
    else:
        answer = f"{no_answer} ({error_code or 'no response'})"
    details = [f"link text {text!r}"] if text else []
    if position in _WHERE:
        details.append(_WHERE[position])
    label = f" ({', '.join(details)})" if details else ""
    return failed(
        f"The page links to {target}, which {answer}.",
        evidence=f"{target} {answer}{label}",
        locator=target,
        url=source,
    )
