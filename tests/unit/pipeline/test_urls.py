import re

import pytest

from siteaudit.pipeline import urls
from siteaudit.pipeline.urls import (
    InvalidURLError,
    Scope,
    host_of,
    normalise,
    resolve,
    start_url,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?x=1#frag", "http://example.com/a/c?x=1"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com./", "http://example.com/"),
    ],
)
def test_equivalent_urls_normalise_to_one_form(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["htp:/x", "file:///etc/passwd", "http://", "ftp://example.com/"])
def test_uncrawlable_urls_are_rejected_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidURLError, match=r"scheme|host"):
        normalise(raw)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("example.com", "write https://example.com (or http://example.com for a server"),
        ("localhost:8000/docs", "write https://localhost:8000/docs (or http://localhost:8000"),
        ("http://exa mple.com/", "'exa mple.com' in 'http://exa mple.com/' is not a valid host"),
        ("http://-x.example/", "'-x.example' in 'http://-x.example/' is not a valid host"),
        ("http://x..example/", "is not a valid host name"),
        ("https://user:secret@example.com/", "carries a user name or password"),
        ("htp:/x", "unsupported URL scheme 'htp:'"),
    ],
)
def test_a_start_url_that_cannot_be_one_says_what_to_type(typed: str, expected: str) -> None:
    with pytest.raises(InvalidURLError) as raised:
        start_url(typed)
    assert expected in str(raised.value)
    assert "secret" not in str(raised.value)  # a password is not repeated to the terminal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" HTTPS://Example.COM. ", "https://example.com/"),
        ("http://intranet_host:8080/a", "http://intranet_host:8080/a"),
        ("http://b\u00fccher.example/", "http://xn--bcher-kva.example/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://127.0.0.1/", "http://127.0.0.1/"),
    ],
)
def test_a_start_url_is_normalised_like_any_url(typed: str, expected: str) -> None:
    assert start_url(typed) == expected


def test_query_parameter_order_is_kept_because_servers_may_care() -> None:
    assert normalise("http://e.com/?b=1&a=2") == "http://e.com/?b=1&a=2"


@pytest.mark.parametrize("href", ["#top", "javascript:void(0)", "mailto:a@b.c", "tel:123", ""])
def test_links_that_are_not_pages_resolve_to_nothing(href: str) -> None:
    assert resolve("http://e.com/a/", href) is None


def test_relative_links_resolve_against_the_base() -> None:
    assert resolve("http://e.com/a/b.html", "../c.html#x") == "http://e.com/c.html"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        # Browsers read a backslash before the query as a slash in http(s) URLs (WHATWG
        # URL): a link written on Windows still reaches the page.
        ("\\docs\\guide.html", "http://e.com/docs/guide.html"),
        ("sub\\page.html", "http://e.com/a/sub/page.html"),
        ("..\\up.html", "http://e.com/up.html"),
        ("\\\\other.example\\x", "http://other.example/x"),
        ("http://e.com\\evil.example/", "http://e.com/evil.example/"),
        # ...but not in the query, where it is data.
        ("/q?path=a\\b", "http://e.com/q?path=a%5Cb"),
        ("\\s?x=\\#\\f", "http://e.com/s?x=%5C"),
    ],
)
def test_backslashes_before_the_query_resolve_as_slashes(href: str, expected: str) -> None:
    assert resolve("http://e.com/a/b.html", href) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # RFC 3986 §6.2.2: escapes of unreserved characters are the characters, and hex
        # digits are upper case; so one page is crawled once whichever way it is written.
        ("http://e.com/%7euser/", "http://e.com/~user/"),
        ("http://e.com/%7Euser/", "http://e.com/~user/"),
        ("http://e.com/%41%2d%5f%2E", "http://e.com/A-_."),
        ("http://e.com/a%2fb%3f", "http://e.com/a%2Fb%3F"),
        ("http://e.com/%e2%82%ac", "http://e.com/%E2%82%AC"),
        ("http://e.com/?q=%61%26%2b%20", "http://e.com/?q=a%26%2B%20"),
        # Escaped dots are dot segments (RFC 3986 §6.2.2.3 after decoding; browsers agree).
        ("http://e.com/a/b/%2e%2E/c", "http://e.com/a/c"),
        ("http://e.com/a/%2e/c", "http://e.com/a/c"),
        # What is not an escape is left alone, as browsers send it.
        ("http://e.com/100%/x%zz", "http://e.com/100%/x%zz"),
    ],
)
def test_percent_escapes_normalise_to_one_form(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_bytes_that_are_not_utf8_are_percent_encoded_as_they_came() -> None:
    # aiohttp hands a header's bytes that are not UTF-8 over as lone surrogates
    # (surrogateescape): a Latin-1 Location "/caf\xe9" is requested as Firefox and curl do,
    # /caf%E9.
    header = b"/caf\xe9/\xc3\xa9".decode("utf-8", "surrogateescape")
    assert resolve("http://e.com/a", header) == "http://e.com/caf%E9/%C3%A9"


def test_scope_keeps_the_start_host_and_applies_include_and_exclude() -> None:
    scope = Scope.from_spec("http://e.com/", include=(r"/docs/",), exclude=(r"\.pdf$",))
    assert scope.allows("http://e.com/docs/a.html")
    assert not scope.allows("http://e.com/blog/a.html")
    assert not scope.allows("http://e.com/docs/a.pdf")
    assert not scope.allows("http://other.com/docs/a.html")
    assert not scope.allows("http://sub.e.com/docs/a.html")


def test_subdomains_are_in_scope_only_when_asked() -> None:
    scope = Scope.from_spec("http://e.com/", subdomains=True)
    assert scope.allows("http://sub.e.com/")
    assert not scope.allows("http://note.com/")


def test_an_invalid_pattern_is_a_clear_error() -> None:
    with pytest.raises(InvalidURLError, match="invalid include/exclude pattern"):
        Scope.from_spec("http://e.com/", include=("(",))


QUOTING_SKIPPED = [
    "HTTP://Example.COM:80/a/./b/../c?x=1#frag",
    "http://user:pw@example.com/p;params?q=(1)&r=a,b*c!d$e-f+g=h~i#x#y",
    "http://u@v;w=x@example.com/",
    "http://example.com?/x",
    "https://example.com:8443/a//b/",
    "http://example.com./",
    "http://127.0.0.1:8082/sql-select.html",
    "http://2130706433/",
    "http://example.com:99999/",
    "http://:80/",
]


@pytest.mark.parametrize("raw", QUOTING_SKIPPED)
def test_urls_that_need_no_quoting_normalise_as_if_quoted(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def outcome() -> str:
        try:
            return normalise(raw)
        except InvalidURLError as exc:
            return f"error: {exc}"

    fast = outcome()
    # Every URL through safe_url_string, as before the shortcut.
    monkeypatch.setattr(urls, "_NEEDS_NO_QUOTING", re.compile(r"(?!)"))
    assert fast == outcome()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://example.com/?q='x'", "http://example.com/?q=%27x%27"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/[x]", "http://example.com/%5Bx%5D"),
        ("http://bücher.example/ü", "http://xn--bcher-kva.example/%C3%BC"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ],
)
def test_urls_that_need_quoting_still_get_it(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://e.com/p?utm_source=x&id=1&UTM_Medium=y", "http://e.com/p?id=1"),
        ("http://e.com/p?utm_source=x", "http://e.com/p"),
        ("http://e.com/p?b=2&sessionid=9&a=1", "http://e.com/p?b=2&a=1"),  # order kept
        ("http://e.com/p?session%49d=9&a", "http://e.com/p?a"),  # names compared decoded
        ("http://e.com/p?id=1&&", "http://e.com/p?id=1"),
        ("http://e.com/p?id=1", "http://e.com/p?id=1"),
        ("http://e.com/p", "http://e.com/p"),
    ],
)
def test_parameter_rules_drop_matching_names_and_keep_the_rest(url: str, expected: str) -> None:
    assert urls.strip_params(url, ("utm_*", "sessionid")) == expected


def test_the_rule_star_drops_the_whole_query() -> None:
    assert urls.strip_params("http://e.com/p?a=1&b=2", ("*",)) == "http://e.com/p"


def test_parameter_rules_clean_the_sites_urls_only() -> None:
    scope = Scope.from_spec("http://e.com/", strip_params=("UTM_*",))
    assert scope.strip_params == ("utm_*",)
    assert scope.clean("http://e.com/?utm_campaign=x") == "http://e.com/"
    # Links to other sites are checked as written.
    assert scope.clean("http://other.com/?utm_campaign=x") == "http://other.com/?utm_campaign=x"
    assert (
        Scope.from_spec("http://e.com/").clean("http://e.com/?utm_a=1") == "http://e.com/?utm_a=1"
    )


@pytest.mark.parametrize("rule", ["", "a=b", "a&b", "with space", "/path"])
def test_a_parameter_rule_that_is_not_a_name_is_a_clear_error(rule: str) -> None:
    with pytest.raises(InvalidURLError, match="invalid parameter rule"):
        Scope.from_spec("http://e.com/", strip_params=(rule,))


def test_a_url_no_host_can_be_read_from_is_on_no_host_and_not_internal() -> None:
    # It raised ValueError, which from `Scope.is_internal` ended a whole scan.
    assert host_of("http://[::1") == ""
    assert host_of("http://[::1]:8080/") == "::1"
    assert not Scope.from_spec("http://e.com/").is_internal("http://[::1")


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/s?q=日本", "/s?q=%93%FA%96%7B"),
        ("/s?q=€", "/s?q=%26%238364%3B"),  # no Shift_JIS code: a numeric reference, encoded
        ("/検索?q=a", "/検索?q=a"),  # the path stays for normalise (UTF-8)
        ("/s#日本?q=日本", "/s#日本?q=日本"),  # a "?" in the fragment starts no query
        ("/s?q=日本#日本", "/s?q=%93%FA%96%7B#日本"),
        ("/s?q=%41&r=b", "/s?q=%41&r=b"),
    ],
)
def test_a_query_is_encoded_in_the_pages_encoding(href: str, expected: str) -> None:
    assert urls.encode_query(href, "shift_jis") == expected
