"""Which answers refuse the client rather than answer for the URL, and when a page's
redirects ended on such an answer from another site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from siteaudit.model import Page, RedirectHop
from siteaudit.model.refusals import is_refusal
from siteaudit.model.site import SitePage

CHALLENGE = (("cf-mitigated", "challenge"),)


def _redirected(to: str, status: int, headers: tuple[tuple[str, str], ...] = ()) -> Page:
    start = "https://example.com/go/x"
    return Page(
        url=start,
        final_url=to,
        status=status,
        headers=headers,
        redirects=(RedirectHop(start, 302, to),),
    )


def test_999_429_and_challenges_refuse_other_errors_do_not() -> None:
    def header(headers: dict[str, str]) -> Callable[[str], str | None]:
        return headers.get

    assert is_refusal(999, header({}))
    assert is_refusal(429, header({}))
    assert is_refusal(403, header({"cf-mitigated": "challenge"}))
    assert not is_refusal(403, header({}))
    assert not is_refusal(404, header({}))
    assert not is_refusal(200, header({"cf-mitigated": "challenge"}))  # not an error
    assert not is_refusal(None, header({}))


@pytest.mark.parametrize(
    ("page", "refused"),
    [
        (_redirected("https://www.linkedin.com/in/x", 999), True),
        (_redirected("https://partner.example.net/", 429), True),
        (_redirected("https://partner.example.net/", 403, CHALLENGE), True),
        (_redirected("https://partner.example.net/", 403), False),  # its own refusal
        (_redirected("https://partner.example.net/", 404), False),  # known broken
        (_redirected("https://example.com/new", 429), False),  # the site's own limit
        (_redirected("http://example.com:8080/new", 999), False),  # the same host
        (Page(url="https://example.com/", final_url="https://example.com/", status=999), False),
    ],
)
def test_a_page_is_refused_elsewhere_only_when_its_redirects_leave_for_a_refusal(
    page: Page, refused: bool
) -> None:
    assert page.refused_elsewhere is refused


def test_a_url_refused_elsewhere_is_not_broken() -> None:
    page = SitePage("https://example.com/go/x", "https://x.example/", 999, 1, is_html=False)
    assert page.is_broken
    assert not replace(page, refused=True).is_broken
