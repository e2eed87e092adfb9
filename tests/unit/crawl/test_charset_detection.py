"""Choosing the character encoding of an HTML body."""

from __future__ import annotations

import codecs

import pytest

from siteaudit.crawl.charset import codec_name, detect_encoding, header_charset, meta_charset


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=ISO-8859-2", b"<html>", "iso8859-2"),
        ('text/html; charset="shift_jis"', b"<html>", "shift_jis"),
        ("text/html", b'<meta charset="euc-jp"><p>', "euc_jp"),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
            "koi8-r",
        ),
        ("text/html", codecs.BOM_UTF8 + b"<html>", "utf-8"),
        ("text/html", codecs.BOM_UTF16_LE + "<html>".encode("utf-16-le"), "utf-16-le"),
        ("text/html", b"<html><p>no declaration", "utf-8"),
        (None, b"", "utf-8"),
    ],
)
def test_encoding_comes_from_header_meta_or_bom(
    content_type: str | None, body: bytes, expected: str
) -> None:
    assert detect_encoding(content_type, body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<title>Café crème</title>".encode("latin-1"), "cp1252"),
        ("<p>\u201cquoted\u201d \u2026</p>".encode("cp1252"), "cp1252"),
        ("<title>Café crème brûlée</title>".encode() + b" \xe9 a stray byte", "utf-8"),
        ("<title>Café</title>".encode()[:-10], "utf-8"),  # cut within the é
        ("<title>日本語</title>".encode()[:-9], "utf-8"),  # cut within a 3-byte character
        (b"<title>plain</title>", "utf-8"),
    ],
    ids=["latin-1", "windows-1252-quotes", "utf-8-with-a-stray", "cut-2", "cut-3", "ascii"],
)
def test_a_body_that_declares_nothing_is_read_as_its_bytes_read(body: bytes, expected: str) -> None:
    # An old Latin-1 page without a declaration had each accented letter replaced by U+FFFD.
    assert detect_encoding("text/html", body) == expected
    assert detect_encoding("text/html; charset=no-such-thing", body) == expected


def test_the_header_charset_wins_over_a_meta_declaration() -> None:
    body = b'<meta charset="koi8-r">'
    assert detect_encoding("text/html; charset=utf-8", body) == "utf-8"


def test_a_byte_order_mark_wins_over_the_header_as_in_browsers() -> None:
    body = codecs.BOM_UTF8 + b"<html>"
    assert detect_encoding("text/html; charset=iso-8859-5", body) == "utf-8"


def test_a_meta_declaration_after_the_first_2_kb_is_ignored() -> None:
    body = b"<!--" + b"x" * 2100 + b'--><meta charset="koi8-r">'
    assert meta_charset(body) is None
    assert detect_encoding("text/html", body) == "utf-8"


def test_an_unknown_header_charset_falls_back_to_the_meta_declaration() -> None:
    assert detect_encoding("text/html; charset=klingon", b'<meta charset="koi8-r">') == "koi8-r"


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "latin1", "us-ascii"])
def test_latin1_and_ascii_labels_mean_windows_1252_as_in_browsers(label: str) -> None:
    assert codec_name(label) == "cp1252"


@pytest.mark.parametrize(
    "label",
    ["klingon", "base64", "zlib", "rot13", "idna", "punycode", "unicode_escape", "utf-7", "", None],
)
def test_unknown_and_non_text_codecs_are_rejected(label: str | None) -> None:
    assert codec_name(label) is None


def test_a_meta_utf16_declaration_in_ascii_text_means_utf8() -> None:
    assert meta_charset(b'<meta charset="utf-16">') == "utf-8"


def test_header_charset_is_read_from_a_content_type_value() -> None:
    assert header_charset("text/html;charset='windows-1251'") == "windows-1251"
    assert header_charset("text/html") is None
