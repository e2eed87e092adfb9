"""What `broken-link` and `external-link-broken` say about one link to a failing URL, and
`external-link-unverified` about one whose host turned the check away."""

from collections.abc import Iterable, Iterator

from siteaudit.checks.base import Failed, failed
from siteaudit.model.page import CONTENT
from siteaudit.model.refusals import REQUEST_DENIED, TOO_MANY_REQUESTS
from siteaudit.model.site import BrokenExternal

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
    return failed(
        f"The page links to {target}, which {answer}.",
        evidence=f"{target} {answer}{_label(text, position)}",
        locator=target,
        url=source,
    )


def unverified_target(link: BrokenExternal, redirected_to: str | None = None) -> Failed:
    """The finding on the link's source for its link to a URL whose host refused the check
    (`engines.external_links.Answer.refused`: it always answered a status), or, with
    `redirected_to`, to one of the site's URLs whose redirects ended on another site's
    refusal there (`SitePage.refused`)."""
    status = link.status
    if status == TOO_MANY_REQUESTS:
        how = "answered HTTP 429 (too many requests) to every try"
    elif status == REQUEST_DENIED:
        how = "answered HTTP 999 (its host's refusal of automated clients)"
    else:
        how = f"answered HTTP {status} with a bot-protection challenge"
    if redirected_to is not None:
        how = f"redirects to {redirected_to}, which {how}"
    return failed(
        f"The page links to {link.target}, which {how}: whether a visitor reaches it is not known.",
        evidence=f"{link.target} {how}{_label(link.text, link.position)}",
        locator=link.target,
        url=link.source,
    )


def _label(text: str, position: str) -> str:
    """The link's text and place on its page, in parentheses (empty for neither)."""
    details = [f"link text {text!r}"] if text else []
    if position in _WHERE:
        details.append(_WHERE[position])
    return f" ({', '.join(details)})" if details else ""


def each_pair(links: Iterable[BrokenExternal]) -> Iterator[BrokenExternal]:
    """The links, the first of each (source page, target URL) pair only (a page may link to
    one URL several times: one finding)."""
    seen: set[tuple[str, str]] = set()
    for link in links:
        if (link.source, link.target) not in seen:
            seen.add((link.source, link.target))
            yield link
