"""Values a crawled site controls, built to make a pattern backtrack: each is read in time
linear in its length (the old patterns took minutes to hours on these, in C code that the
page time limit cannot interrupt; pytest-timeout fails a regression)."""

from __future__ import annotations

from tests.unit.pipeline.factories import make_fetched, make_page

from siteaudit.checks.builtin import BUILTIN
from siteaudit.model import Page
from siteaudit.pipeline.extraction import extract

RUN = 400_000


def verdict(check_id: str, page: Page) -> object:
    item = next(c for c in BUILTIN if c.id == check_id)
    assert item.page_fn is not None
    return item.page_fn(page, item.context())


def test_a_viewport_of_one_long_word_is_read_in_linear_time() -> None:
    viewport = "w" * RUN + ", user-scalable=no"  # 13 s for 40,000 before, quadratic
    result = verdict("meta-viewport-zoom", make_page(meta={"viewport": viewport}))
    assert "user-scalable=no" in str(result)


def test_a_server_header_of_digits_is_read_in_linear_time() -> None:
    headers = (("server", "1" * RUN + " nginx/1.22"),)
    assert "version" in str(verdict("server-version", make_page(headers=headers))).lower()


def test_a_link_header_of_angle_brackets_is_read_in_linear_time() -> None:
    headers = (
        ("content-type", "text/html"),
        ("link", "<" * RUN + ', </canonical>; rel="canonical"'),  # 5.6 s for 40,000 before
    )
    page = extract(make_fetched("<title>t</title>", headers=headers), depth=0, is_internal=bool)
    assert page.canonicals == ("https://example.com/canonical",)


def test_link_header_canonicals_are_read_as_rfc_8288_writes_them() -> None:
    link = (
        '</style.css>; rel=preload; as=style, <https://example.com/a,b>; type="text/html";'
        ' rel="alternate canonical", </other>; rel=canonical-draft, </next>; rel=next,'
        " <../up>;REL=Canonical"
    )
    headers = (("content-type", "text/html"), ("link", link))
    page = extract(make_fetched("<title>t</title>", headers=headers), depth=0, is_internal=bool)
    assert page.canonicals == ("https://example.com/a,b", "https://example.com/up")
