"""Parsing sitemap bodies: urlsets, indexes, text files and hostile XML."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from siteaudit.crawl import sitemaps
from siteaudit.crawl.sitemaps import MIB, parse_sitemap

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
IMAGE_NS = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'


def urlset(*locs: str) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0"?><urlset {NS}>{entries}</urlset>'.encode()


def test_a_urlset_yields_its_page_urls_normalised() -> None:
    sitemap = parse_sitemap(urlset("https://Example.com/a", " https://example.com/b?x=1 "))
    assert not sitemap.is_index
    assert sitemap.locs == ["https://example.com/a", "https://example.com/b?x=1"]
    assert sitemap.problems == []


def test_a_sitemap_index_is_recognised() -> None:
    body = f"<sitemapindex {NS}><sitemap><loc>https://e.com/s1.xml</loc></sitemap></sitemapindex>"
    sitemap = parse_sitemap(body.encode())
    assert sitemap.is_index
    assert sitemap.locs == ["https://e.com/s1.xml"]


def test_image_locations_are_not_taken_for_pages() -> None:
    body = (
        f"<urlset {NS} {IMAGE_NS}><url><loc>https://e.com/p</loc>"
        "<image:image><image:loc>https://e.com/i.png</image:loc></image:image></url></urlset>"
    )
    assert parse_sitemap(body.encode()).locs == ["https://e.com/p"]


def test_a_plain_text_sitemap_is_read_line_by_line() -> None:
    sitemap = parse_sitemap(b"https://e.com/a\n\nhttps://e.com/b\r\nnot a url\n")
    assert sitemap.locs == ["https://e.com/a", "https://e.com/b"]
    assert sitemap.problems == ["1 invalid <loc> value skipped"]


def test_urls_beyond_the_per_file_cap_are_dropped_with_a_problem() -> None:
    sitemap = parse_sitemap(urlset(*(f"https://e.com/{i}" for i in range(20))), max_urls=5)
    assert len(sitemap.locs) == 5
    assert "more than 5 URLs" in sitemap.problems[0]


def test_a_billion_laughs_sitemap_is_refused_at_once() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol3;</loc></url></urlset>"""
    started = time.perf_counter()
    sitemap = parse_sitemap(body)
    assert time.perf_counter() - started < 1
    assert sitemap.locs == []
    assert "unsafe XML refused" in sitemap.problems[0]


def test_broken_xml_keeps_the_urls_before_the_break() -> None:
    body = urlset("https://e.com/a", "https://e.com/b")[:-30]
    sitemap = parse_sitemap(body)
    assert sitemap.locs == ["https://e.com/a"]
    assert len(sitemap.problems) == 1
    assert sitemap.problems[0].startswith("invalid XML")


@pytest.mark.parametrize(
    ("lead", "count"),
    [(b"\n", "1 byte"), (b"\xef\xbb\xbf \r\n", "3 bytes")],
    ids=["newline", "bom"],
)
def test_whitespace_before_the_xml_declaration_is_said_in_words(lead: bytes, count: str) -> None:
    # WordPress's classic (a blank line printed by a PHP file): search engines reject the
    # sitemap, and the problem was expat's "XML or text declaration not at start of entity".
    sitemap = parse_sitemap(lead + urlset("https://e.com/a"))
    assert sitemap.locs == []
    assert sitemap.problems == [
        f"{count} of whitespace before the XML declaration (a blank line or spaces printed"
        " first, often by a PHP file): not well-formed XML, so search engines reject the"
        " whole sitemap"
    ]


def test_a_declaration_misplaced_later_is_invalid_xml_as_it_says() -> None:
    body = urlset("https://e.com/a").replace(b"<url>", b'<url><?xml version="1.0"?>', 1)
    assert (
        parse_sitemap(b"\n" + body[body.index(b"<urlset") :]).problems[0].startswith("invalid XML")
    )


def multiline(*entries: bytes) -> bytes:
    return b"\n".join([b'<?xml version="1.0"?>', f"<urlset {NS}>".encode(), *entries, b"</urlset>"])


def test_an_unescaped_ampersand_is_named_with_its_line_and_the_urls_before_it_kept() -> None:
    # The commonest sitemap error: a query's & written as is. It was "not well-formed
    # (invalid token)", and the URLs before it lost when the file came in one piece.
    sitemap = parse_sitemap(
        multiline(
            b"<url><loc>https://e.com/a</loc></url>",
            b"<url><loc>https://e.com/s?a=1&b=2</loc></url>",
            b"<url><loc>https://e.com/c</loc></url>",
        )
    )
    assert sitemap.locs == ["https://e.com/a"]
    (problem,) = sitemap.problems
    assert problem.startswith("an unescaped & at line 4 (")
    assert "s?a=1&b=2" in problem
    assert problem.endswith(
        "write it &amp;): not well-formed XML, so search engines reject the whole sitemap"
    )


def test_an_html_entity_is_named_with_its_line() -> None:
    sitemap = parse_sitemap(multiline(b"<url><loc>https://e.com/caf&eacute;</loc></url>"))
    assert sitemap.problems == [
        "the entity &eacute; at line 3, which XML does not define (write the character"
        " itself): not well-formed XML, so search engines reject the whole sitemap"
    ]


def test_other_xml_errors_keep_the_parsers_words() -> None:
    sitemap = parse_sitemap(multiline(b"<url><loc>https://e.com/a</url>"))
    assert sitemap.problems == ["invalid XML: mismatched tag: line 3, column 27"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_sitemap_with_its_byte_order_mark_is_read_as_xml(codec: str) -> None:
    # It was read as a text sitemap, and said "1 invalid <loc> value skipped".
    text = urlset("https://e.com/a", "https://e.com/b").decode()
    body = text.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode(codec)
    if codec == "utf-16-be":
        body = b"\xfe\xff" + body
    sitemap = parse_sitemap(body)
    assert (sitemap.locs, sitemap.problems) == (["https://e.com/a", "https://e.com/b"], [])


def test_an_html_page_is_not_a_sitemap() -> None:
    sitemap = parse_sitemap(b"<html><body>Not found</body></html>")
    assert sitemap.locs == []
    assert "not a sitemap" in sitemap.problems[0]


def test_an_rss_feed_lists_the_links_of_its_items() -> None:
    # Google reads RSS 2.0 and Atom 1.0 feeds as sitemaps: the channel's own link (the
    # home page) and Atom elements inside RSS are not entries.
    body = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Blog</title><link>https://e.com/</link>
<atom:link href="https://e.com/feed/" rel="self" type="application/rss+xml"/>
<item><title>One</title><link> https://e.com/one/ </link><guid>https://e.com/?p=1</guid></item>
<item><title>Two</title><link>https://e.com/two/</link></item>
</channel></rss>"""
    sitemap = parse_sitemap(body)
    assert (sitemap.is_index, sitemap.problems) == (False, [])
    assert sitemap.locs == ["https://e.com/one/", "https://e.com/two/"]


def test_an_atom_feed_lists_the_alternate_links_of_its_entries() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Blog</title><link href="https://e.com/"/><link rel="self" href="https://e.com/atom"/>
<entry><title>One</title><link href="https://e.com/one/"/><id>tag:e.com,1</id></entry>
<entry><title>Two</title><link rel="edit" href="https://e.com/api/2"/>
<link rel="alternate" type="text/html" href="https://e.com/two/"/></entry>
</feed>"""
    sitemap = parse_sitemap(body)
    assert (sitemap.is_index, sitemap.problems) == (False, [])
    assert sitemap.locs == ["https://e.com/one/", "https://e.com/two/"]


def test_a_comment_under_the_token_bound_is_parsed_in_few_feeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Expat (2.5) parses a token still open when more input comes again from its start:
    # iterparse's 16 KiB reads made a 49 MB comment 3,000 passes over it (87 s).
    feeds: list[int] = []
    real = sitemaps.SafeET.DefusedXMLParser.feed

    def counted(self: sitemaps.SafeET.DefusedXMLParser, data: bytes) -> None:
        feeds.append(len(data))
        real(self, data)

    monkeypatch.setattr(sitemaps.SafeET.DefusedXMLParser, "feed", counted)
    comment = b"<!--" + b"x" * (sitemaps.MAX_TOKEN_BYTES - MIB) + b"-->"
    body = urlset("https://example.com/a").replace(b"<url>", comment + b"<url>")
    sitemap = parse_sitemap(body)
    assert (sitemap.locs, sitemap.problems) == (["https://example.com/a"], [])
    assert len(feeds) <= len(body) // sitemaps.XML_READ_BYTES + 2


HUGE_TOKENS = {
    "comment": b"<!--" + b"x" * 8 * MIB + b"-->",
    "attribute value": b'<url a="' + b"x" * 8 * MIB + b'"/>',
    "processing instruction": b"<?pi " + b"x" * 8 * MIB + b"?>",
}


@pytest.mark.parametrize("token", HUGE_TOKENS.values(), ids=HUGE_TOKENS.keys())
def test_markup_past_the_token_bound_ends_the_file_keeping_what_came_before(
    token: bytes,
) -> None:
    # The parser holds a token whole until it ends: one comment filling a 50 MB sitemap took
    # ~220 MB to parse, and four sitemaps are fetched at once.
    body = urlset("https://example.com/a", "https://example.com/b")
    body = body.replace(b"</url><url>", b"</url>" + token + b"<url>")
    sitemap = parse_sitemap(body)
    assert sitemap.locs == ["https://example.com/a"]
    assert sitemap.problems == [
        "one piece of markup (a comment, an attribute value or the like) is longer than 4 MiB;"
        " the rest was ignored"
    ]


def test_a_loc_too_long_to_be_a_url_is_skipped_and_counted() -> None:
    body = urlset("https://example.com/a", "https://example.com/" + "b" * 100_000)
    sitemap = parse_sitemap(body)
    assert sitemap.locs == ["https://example.com/a"]
    assert sitemap.problems == ["1 <loc> value longer than 65,536 characters skipped"]


HOSTILE_FILES = {
    **HUGE_TOKENS,
    "text": b"<url><loc>https://example.com/" + b"x" * 8 * MIB + b"</loc></url>",
    "elements": b"<url>" + b"<e/>" * 300_000 + b"</url>",
    "nested elements": b"<e>" * 300_000,
}


@pytest.mark.parametrize("part", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_parsing_a_hostile_sitemap_takes_little_memory_beyond_its_body(part: bytes) -> None:
    # Measured before: an 8 MB comment took 32 MB beyond the body (expat's buffer and the
    # comment's string), 2 million empty elements 150 MB.
    body = urlset("https://example.com/a").replace(b"<url>", part + b"<url>")
    tracemalloc.start()
    try:
        sitemap = parse_sitemap(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sitemap.locs[:1] == ["https://example.com/a"] or sitemap.problems
    assert peak < 16 * MIB, f"{peak / MIB:.1f} MiB"


def test_a_sitemap_past_the_element_bound_keeps_what_came_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A million empty elements in one entry took seconds and 90 MB per 4 MB of file; a 50 MB
    # file, a minute and a gigabyte. Each url entry here is 2 elements (url, loc).
    monkeypatch.setattr(sitemaps, "MAX_XML_ELEMENTS", 10)
    body = urlset(*(f"https://example.com/p{n}" for n in range(8)))
    sitemap = parse_sitemap(body)
    assert sitemap.locs == [f"https://example.com/p{n}" for n in range(5)]
    assert sitemap.problems == ["more than 10 XML elements; the rest was ignored"]


def test_elements_nested_past_the_depth_bound_end_the_file_keeping_what_came_before() -> None:
    # A million nested elements (3 MB) held 150 MB of parser state.
    body = urlset("https://example.com/a").replace(b"</urlset>", b"<x>" * 100_000 + b"</urlset>")
    sitemap = parse_sitemap(body)
    assert sitemap.locs == ["https://example.com/a"]
    assert sitemap.problems == [
        f"elements nested more than {sitemaps.MAX_XML_DEPTH} deep; the rest was ignored"
    ]
