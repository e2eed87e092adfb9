"""The URL of a meta refresh, read as browsers read it."""

import pytest

from siteaudit.model.page import refresh_url


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("0; url=/en/", "/en/"),
        ("0;URL='https://e.com/x'", "https://e.com/x"),
        ('3; url = "a b.html" trailing', "a b.html"),
        ("0, /en/", "/en/"),
        ("0.5;/next", "/next"),
        ("5", None),
        ("0; url=", None),
        ("", None),
        ("0; urlx.html", "urlx.html"),  # "url" not followed by "=" is the URL itself
    ],
)
def test_a_meta_refresh_names_its_url_as_browsers_read_it(
    content: str, expected: str | None
) -> None:
    assert refresh_url(content) == expected
