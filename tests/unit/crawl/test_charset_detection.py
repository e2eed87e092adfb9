"""Choosing the character encoding of an HTML body."""

from __future__ import annotations

import codecs
import random

import pytest

from siteaudit.crawl.charset import codec_name, detect_encoding, header_charset, meta_charset
from siteaudit.pipeline.encodings import is_browser_codec


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=ISO-8859-2", b"<html>", "iso8859-2"),
        ('text/html; charset="shift_jis"', b"<html>", "cp932"),  # Shift_JIS as browsers decode it
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


# Pages in legacy encodings that declare none, as old sites still serve them: the words of
# each language, in a page whose markup is ASCII.
LEGACY_PAGES = {
    "french": ("cp1252", "Café crème : l'élève à l'école. Où est la bibliothèque ? Très bien."),
    "german": ("cp1252", "Größe und Maße: Übung macht den Meister. Straße, Bäume, Füße, weiß."),
    "portuguese": ("cp1252", "Informações sobre a população: não há solução fácil; três irmãs."),
    "japanese-shift-jis": ("shift_jis", "日本は東アジアの島国で、首都は東京です。公用語は日本語。"),
    "japanese-euc-jp": ("euc_jp", "日本は東アジアの島国で、首都は東京です。公用語は日本語。"),
    "chinese-gbk": ("gbk", "这是一个中文网页。北京的天气很好，温度是二十度。欢迎光临本站。"),  # noqa: RUF001
    "chinese-big5": ("big5", "台灣是位於東亞的島嶼國家，首都是台北市。歡迎光臨本站，謝謝。"),  # noqa: RUF001
    # Characters only the supersets browsers decode with have (cp932, cp949, Big5-HKSCS).
    "japanese-windows-31j": ("cp932", "株式会社①の案内です。日本は東アジアの島国で、首都は東京。"),
    "korean-uhc": ("cp949", "똠방각하 뷁 이것은 한국어 웹 페이지입니다. 서울의 날씨는 맑고."),
    "chinese-hkscs": ("big5hkscs", "香港特別行政區 𨋢 歡迎光臨本站，謝謝。台灣是東亞的島嶼。"),  # noqa: RUF001
    "korean": ("euc_kr", "이것은 한국어 웹 페이지입니다. 서울의 날씨는 맑고 기온은 이십 도입니다."),
    "russian-windows-1251": ("cp1251", "Это русская веб-страница. Погода в Москве хорошая."),
    "russian-koi8-r": ("koi8_r", "Это русская веб-страница. Погода в Москве хорошая."),
    "greek": ("cp1253", "Αυτή είναι μια ελληνική ιστοσελίδα. Ο καιρός στην Αθήνα είναι καλός."),  # noqa: RUF001
    "hebrew": ("cp1255", "זהו דף אינטרנט בעברית. מזג האוויר בירושלים טוב היום, עשרים מעלות."),
    "arabic": ("cp1256", "هذه صفحة ويب باللغة العربية. الطقس في القاهرة جيد اليوم، عشرون درجة."),
}


def legacy_page(text: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{text[:30]}</title>"
        '<link rel="stylesheet" href="/site.css"></head><body><nav><a href="/">Home</a>'
        f'<a href="/about">About</a></nav><h1>{text[:30]}</h1><p>{text}</p><p>{text}</p>'
        "<footer>Copyright</footer></body></html>"
    )


@pytest.mark.parametrize("language", LEGACY_PAGES)
def test_a_legacy_page_that_declares_nothing_reads_as_its_language(language: str) -> None:
    # A Shift_JIS page read as windows-1252 had mojibake for a title; a Latin-1 one read
    # as UTF-8 had U+FFFD for each accented letter.
    encoding, text = LEGACY_PAGES[language]
    body = legacy_page(text).encode(encoding)
    found = detect_encoding("text/html", body)
    assert body.decode(found) == legacy_page(text)
    if encoding == "cp1252":
        assert found == "cp1252"  # a Latin page is never taken for Baltic or Arabic


@pytest.mark.parametrize("language", ["japanese-windows-31j", "chinese-big5", "korean-uhc"])
@pytest.mark.parametrize("cut", [0, 1])
def test_a_legacy_page_cut_inside_a_character_still_reads_as_its_language(
    language: str, cut: int
) -> None:
    # At the size cap a body ends anywhere: cut inside its last character, a 10 MB
    # Japanese page read as none of the candidates, and came out windows-1252.
    encoding, text = LEGACY_PAGES[language]
    body = legacy_page(text * 3000).encode(encoding)
    end = body.index(text[5].encode(encoding), 200_000) + cut  # within, or after, a character
    found = detect_encoding("text/html", body[:end])
    assert body[:3000].decode(found) == body[:3000].decode(encoding)


SHORT_PAGES = [
    ("ko", "cp949", "서울 날씨"),
    ("ja", "cp932", "東京の天気"),
    ("ja", "euc_jp", "東京の天気"),
    ("zh-CN", "gb18030", "北京天气"),
    ("zh-TW", "big5hkscs", "台北天氣"),
    ("ru", "cp1251", "Погода"),
    ("ru", "koi8_r", "Погода"),
    ("el", "cp1253", "Καιρός"),
    ("he", "cp1255", "מזג אוויר"),
    ("ar", "cp1256", "الطقس"),
    ("th", "cp874", "ภาษาไทย"),
    ("cs", "cp1250", "Příliš žluťoučký kůň"),
    ("tr", "cp1254", "Türkçe ğüşıöç"),
]


@pytest.mark.parametrize(("lang", "encoding", "title"), SHORT_PAGES)
def test_a_short_legacy_page_is_read_in_the_encoding_of_its_language(
    lang: str, encoding: str, title: str
) -> None:
    # A title and a word are too little to tell encodings apart by: Greek, Hebrew, Arabic
    # and KOI8-R pages were misread; their <html lang> says which legacy encodings to try.
    page = f'<html lang="{lang}"><head><title>{title}</title></head><body>x</body></html>'
    body = page.encode(encoding)
    assert body.decode(detect_encoding("text/html", body)) == page


def test_a_non_latin_language_is_not_trusted_on_latin_text() -> None:
    # A template's lang attribute is not always its page's: French text stays windows-1252.
    page = "<html lang=\"ru\"><title>Café crème, l'élève à l'école</title></html>"
    assert detect_encoding("text/html", page.encode("cp1252")) == "cp1252"


def test_a_central_european_page_that_declares_nothing_is_read_as_windows_1252() -> None:
    # Without a lang attribute, as browsers with a Western default do: its few
    # non-Latin-1 letters are wrong, the rest right, never taken for a non-Latin script.
    body = legacy_page("Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština.").encode("cp1250")
    assert detect_encoding("text/html", body) == "cp1252"


def test_bytes_no_legacy_encoding_reads_fall_back_to_windows_1252() -> None:
    noise = random.Random(7).randbytes(2_000_000)
    assert detect_encoding("text/html", noise) == "cp1252"
    # Megabytes of high bytes that do read as one: only a sample is weighed.
    big = legacy_page(LEGACY_PAGES["japanese-shift-jis"][1] * 20_000).encode("shift_jis")
    found = detect_encoding("text/html", big)
    assert is_browser_codec(found)
    assert big[:3000].decode(found, "replace") == big[:3000].decode("shift_jis", "replace")


def test_the_header_charset_wins_over_a_meta_declaration() -> None:
    body = b'<meta charset="koi8-r">'
    assert detect_encoding("text/html; charset=utf-8", body) == "utf-8"


def test_a_byte_order_mark_wins_over_the_header_as_in_browsers() -> None:
    body = codecs.BOM_UTF8 + b"<html>"
    assert detect_encoding("text/html; charset=iso-8859-5", body) == "utf-8"


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        # A tag manager's script pasted above the declaration, as Chromium reads on.
        (b"<head><script>" + b"var x = 1;" * 300 + b"</script>", "koi8-r"),
        (b"<!--" + b"x" * 2100 + b"-->", "koi8-r"),
        (b"<head><style>" + b"p{}" * 1000 + b"</style></head>", None),  # past the head
        (b"<head><title>t</title></head><body><p>" + b"x" * 2100, None),  # in the body
    ],
    ids=["after-a-script", "after-a-comment", "after-the-head", "in-the-body"],
)
def test_a_meta_declaration_past_2_kb_counts_while_in_the_head(
    before: bytes, expected: str | None
) -> None:
    body = before + b'<meta charset="koi8-r"><p>text'
    assert meta_charset(body) == expected
    assert detect_encoding("text/html", body) == (expected or "utf-8")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'<!-- <meta charset="koi8-r"> --><meta charset="utf-8">', "utf-8"),
        (b'<!--<meta charset="koi8-r">--><p>plain', None),
        (b'<!-- a comment --><meta charset="koi8-r">', "koi8-r"),
        (b'<!-- never closed <meta charset="koi8-r">', None),
    ],
    ids=["commented-then-real", "only-commented", "real-after-comment", "unclosed"],
)
def test_a_meta_declaration_inside_a_comment_declares_nothing(
    body: bytes, expected: str | None
) -> None:
    # As the prescan browsers run: an old template's commented-out declaration was read.
    assert meta_charset(body) == expected


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
