"""Extraction: one parse of a fetched response into the `Page` model the checks read."""

from __future__ import annotations

import hashlib

import pytest
from tests.unit.pipeline.factories import URL, make_fetched

from siteaudit.model import Heading, Hreflang, Image, Page, RedirectHop
from siteaudit.pipeline import extraction, urls
from siteaudit.pipeline.extraction import MAX_LINK_TEXT, decode, extract
from siteaudit.pipeline.urls import host_of


def internal(url: str) -> bool:
    return host_of(url) == "example.com"


def extract_html(html: str | bytes, **overrides: object) -> Page:
    return extract(make_fetched(html, **overrides), depth=1, is_internal=internal)


def test_links_resolve_against_base_href_when_the_page_has_one() -> None:
    page = extract(
        make_fetched('<base href="https://cdn.example.com/docs/"><a href="guide.html">G</a>'),
        depth=0,
        is_internal=internal,
    )
    assert page.base_href == "https://cdn.example.com/docs/"
    assert [link.url for link in page.links] == ["https://cdn.example.com/docs/guide.html"]
    assert page.links[0].internal is False


def test_links_resolve_against_the_final_url_without_base_href() -> None:
    fetched = make_fetched('<a href="../b/c.html">x</a>', final_url="https://example.com/a/z/")
    page = extract(fetched, depth=0, is_internal=internal)
    assert page.base_href is None
    assert [link.url for link in page.links] == ["https://example.com/a/b/c.html"]


def test_nul_bytes_and_lone_surrogates_never_reach_the_title() -> None:
    page = extract(
        make_fetched(b"<title>Te\x00nts &#0; &#xD800;</title>"), depth=0, is_internal=internal
    )
    assert page.title is not None
    assert "\x00" not in page.title
    page.title.encode("utf-8")  # raises on a lone surrogate


def test_an_unknown_charset_name_falls_back_to_utf8() -> None:
    page = extract(
        make_fetched("<title>Café</title>".encode(), encoding="x-no-such-charset"),
        depth=0,
        is_internal=internal,
    )
    assert page.title == "Café"


def test_the_declared_encoding_is_used_to_decode_the_body() -> None:
    page = extract(
        make_fetched("<title>Café</title>".encode("cp1252"), encoding="latin1"),
        depth=0,
        is_internal=internal,
    )
    assert page.title == "Café"


def test_without_an_encoding_the_document_meta_charset_decides() -> None:
    body = '<meta charset="windows-1252"><title>Café</title>'.encode("cp1252")
    assert "Café" in decode(body, None)


def test_undecodable_bytes_become_replacement_characters() -> None:
    assert decode(b"<p>\xff\xfe</p>", "utf-8") == "<p>\ufffd\ufffd</p>"


def test_a_bytes_codec_named_by_the_page_does_not_crash_decoding() -> None:
    assert decode(b"<p>hello</p>", "base64") == "<p>hello</p>"


def test_links_are_deduplicated_by_url_keeping_the_first_occurrence() -> None:
    page = extract_html(
        '<a href="/a">First</a><a href="/a#top">Second</a><a href="https://example.com/a">x</a>'
        '<a href="/b" rel="NoFollow UGC">B</a>'
    )
    assert [(link.url, link.text) for link in page.links] == [
        ("https://example.com/a", "First"),
        ("https://example.com/b", "B"),
    ]
    assert page.links[1].rel == ("nofollow", "ugc")


def test_fragment_javascript_and_mailto_links_are_skipped() -> None:
    page = extract_html(
        '<a href="#top">t</a><a href="javascript:void(0)">j</a><a href="mailto:a@b.c">m</a>'
        '<a href="tel:123">p</a><a>no href</a><a href="">empty</a><a href="/ok">ok</a>'
    )
    assert [link.url for link in page.links] == ["https://example.com/ok"]


def test_max_links_bounds_the_links_kept_and_records_the_truncation() -> None:
    html = "".join(f'<a href="/p{i}">{i}</a>' for i in range(20))
    page = extract(make_fetched(html), depth=0, is_internal=internal, max_links=5)
    assert [link.url for link in page.links][-1] == "https://example.com/p4"
    assert len(page.links) == 5
    assert page.links_truncated is True
    assert extract_html(html).links_truncated is False


def test_link_text_is_collapsed_capped_and_falls_back_to_the_image_alt() -> None:
    page = extract_html(
        f'<a href="/long">{"word " * 100}</a><a href="/img"><img src="x.png" alt=" Home "></a>'
        '<a href="/aria" aria-label="Close menu"><svg></svg></a>'
    )
    texts = [link.text for link in page.links]
    assert len(texts[0]) == MAX_LINK_TEXT and "  " not in texts[0]
    assert texts[1:] == ["Home", "Close menu"]


def test_a_non_html_response_keeps_its_http_facts_and_is_not_parsed() -> None:
    fetched = make_fetched(
        b"%PDF-1.4 <title>not html</title>",
        headers=(("content-type", "application/pdf"), ("x-robots-tag", "noindex")),
    )
    page = extract(fetched, depth=3, is_internal=internal)
    assert page.is_html is False
    assert page.title is None and page.links == ()
    assert (page.status, page.depth, page.content_type) == (200, 3, "application/pdf")
    assert page.header("x-robots-tag") == "noindex"
    assert page.size_bytes == len(fetched.body)
    assert page.content_hash == hashlib.sha256(fetched.body).hexdigest()


def test_a_failed_fetch_becomes_a_page_with_its_error() -> None:
    fetched = make_fetched(b"", status=None, headers=(), error_code="timeout", error_message="slow")
    page = extract(fetched, depth=0, is_internal=internal)
    assert page.is_html is False
    assert (page.status, page.error_code, page.error_message) == (None, "timeout", "slow")
    assert page.content_hash is None


def test_error_pages_and_redirected_urls_are_not_audited_as_html() -> None:
    error = extract_html("<title>Not found</title>", status=404)
    hop = RedirectHop(URL + "-old", 301, URL)
    redirected = extract_html("<title>Target</title>", url=URL + "-old", redirects=(hop,))
    assert error.is_html is False and error.status == 404
    assert redirected.is_html is False and redirected.redirects == (hop,)


def test_an_absent_title_is_none_and_an_empty_title_is_an_empty_string() -> None:
    assert extract_html("<p>no title</p>").title is None
    assert extract_html("<p>no title</p>").title_count == 0
    assert extract_html("<title></title>").title == ""
    assert extract_html("<title>  A \n  b </title><title>Two</title>").title == "A b"
    assert extract_html("<title>A</title><title>Two</title>").title_count == 2


def test_svg_titles_are_not_the_document_title() -> None:
    assert extract_html("<body><svg><title>Icon</title></svg></body>").title is None


def test_meta_names_are_lower_cased_and_robots_directives_gathered_from_every_tag() -> None:
    page = extract_html(
        '<meta name="Description" content=" Tents \n for  snow ">'
        '<meta name="description" content="second">'
        '<meta name="ROBOTS" content="NoIndex, follow"><meta name="googlebot" content="nosnippet">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
        '<meta property="og:title" content="OG">'
    )
    assert page.meta["description"] == "Tents for snow"
    assert page.meta["content-security-policy"] == "default-src 'self'"
    assert page.meta["og:title"] == "OG"
    assert page.meta_robots == ("noindex", "follow", "nosnippet")


@pytest.mark.parametrize(
    ("charset", "nippon", "euro"),
    [
        ("shift_jis", "%93%FA%96%7B", "%26%238364%3B"),  # € has no Shift_JIS code
        ("utf-8", "%E6%97%A5%E6%9C%AC", "%E2%82%AC"),
    ],
)
def test_a_links_query_is_encoded_as_a_browser_encodes_it_on_the_page(
    charset: str, nippon: str, euro: str
) -> None:
    # A browser encodes a link's query in the page's encoding (the URL Standard); UTF-8
    # everywhere asked a Shift_JIS site for a search it never serves (a false broken link).
    html = '<a href="/検索?q=日本&sort=€#日本">search</a><img src="/i.png?t=日本" alt="">'
    page = extract_html(html.encode(charset, "xmlcharrefreplace"), encoding=charset)
    path = "/%E6%A4%9C%E7%B4%A2"  # the path is UTF-8 whatever the page's encoding
    assert [link.url for link in page.links] == [
        f"https://example.com{path}?q={nippon}&sort={euro}"
    ]
    assert page.images[0].src == f"https://example.com/i.png?t={nippon}"


def test_charset_comes_from_meta_charset_or_http_equiv_content_type() -> None:
    assert extract_html('<meta charset="UTF-8">').charset == "utf-8"
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    assert extract_html(http_equiv).charset == "iso-8859-1"
    assert extract_html("<p>x</p>").charset is None


def test_canonicals_lang_hreflangs_are_resolved_and_read() -> None:
    page = extract_html(
        '<html lang=" de-CH "><link rel="canonical" href="/c?x=1#frag">'
        '<link rel="Alternate" hreflang="fr" href="/fr/"><link rel="alternate" href="/feed">'
    )
    assert page.canonicals == ("https://example.com/c?x=1",)
    assert page.lang == "de-CH"
    assert page.hreflangs == (Hreflang("fr", "https://example.com/fr/"),)
    assert extract_html("<p>x</p>").lang is None
    assert extract_html("<html lang><p>x</p>").lang == ""


def test_headings_keep_document_order_and_their_text() -> None:
    page = extract_html("<h2>Two</h2><h1>One <b>bold</b></h1><h6>Six</h6>")
    assert page.headings == (Heading(2, "Two"), Heading(1, "One bold"), Heading(6, "Six"))
    assert page.h1s == ("One bold",)


def test_image_alt_distinguishes_absent_from_empty() -> None:
    page = extract_html(
        '<img src="/a.png"><img src="/b.png" alt=""><img src="/c.png" alt>'
        '<img src="/d.png" alt="A tent" width="20" height="10">'
    )
    assert page.images == (
        Image("https://example.com/a.png", None),
        Image("https://example.com/b.png", ""),
        Image("https://example.com/c.png", ""),
        Image("https://example.com/d.png", "A tent", "20", "10"),
    )


def test_word_count_covers_visible_text_only() -> None:
    page = extract_html(
        "<title>Not counted</title><p>one two</p><script>var hidden = 1;</script>"
        "<style>p { x: y }</style><noscript>no script</noscript>"
        "<template><p>template words</p></template><div>three</div>"
    )
    assert page.word_count == 3
    assert page.text_bytes == len("one two three")


def test_the_final_url_is_normalised_like_every_extracted_url() -> None:
    page = extract_html("<p>x</p>", final_url="HTTPS://Example.COM:443/a/./b#frag")
    assert page.final_url == "https://example.com/a/b"


BASES = [
    "http://example.com",
    "http://example.com/",
    "https://example.com/docs/guide/page.html",
    "https://example.com/docs/guide/",
    "https://example.com/docs/guide/page.html?tab=2&x=/y",
    "https://example.com/docs/guide/page.html#part/2",
    "https://example.com/a/./b/../c/page;params",
    "https://example.com/a;x/b",
    "http://example.com:8080/q?",
]
HREFS = [
    "page2.html",
    "./page2.html",
    "../up.html",
    "../../../../too-far.html",
    "/root.html",
    "//other.example/x",
    "?q=1",
    "?",
    ".",
    "..",
    "sub/dir/",
    "http:relative",
    "HTTPS://Example.COM/Case",
    " spaced.html ",
    "a b.html",
    "ftp://example.com/file",
    "http://[bad",
    "\\root\\x.html",
    "sub\\x.html?q=\\",
    "\\\\other.example\\y",
    "%7Esub/%2e%2e/z.html",
]


@pytest.mark.parametrize("base", BASES)
def test_the_memoised_resolve_agrees_with_the_plain_one(base: str) -> None:
    # The cache is keyed by the base's directory: every answer must be what resolving
    # against the full base gives.
    for href in HREFS:
        assert extraction.resolve(base, href) == urls.resolve(base, href), href


def test_a_base_directory_drops_the_file_name_query_and_fragment() -> None:
    assert extraction.directory("https://h/a/b.html?x=/y#z/w") == "https://h/a/"
    assert extraction.directory("https://h") == "https://h/"
    assert extraction.directory("https://h?q=/x") == "https://h/"


@pytest.mark.parametrize("label", ["idna", "punycode", "unicode_escape", "utf-7", "palmos"])
def test_a_charset_browsers_do_not_know_is_ignored_as_browsers_ignore_it(label: str) -> None:
    # Python knows these codecs; browsers do not. idna and punycode failed on any page
    # ("siteaudit failed to read this page"), unicode_escape read backslashes as escapes.
    body = "<title>Café \\u0041</title><a href='/s?q=日本'>s</a>".encode()
    page = extract_html(
        body, encoding=label, headers=(("content-type", f"text/html; charset={label}"),)
    )
    assert page.title == "Café \\u0041"
    assert [link.url for link in page.links] == ["https://example.com/s?q=%E6%97%A5%E6%9C%AC"]
