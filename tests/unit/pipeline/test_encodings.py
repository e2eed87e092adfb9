"""The browser encodings' codec names are Python's canonical ones (the module writes them out
rather than look them up at import)."""

from __future__ import annotations

import codecs

import pytest

from siteaudit.pipeline.encodings import (
    BROWSER_CODECS,
    WHATWG_LABELS,
    codec_for_label,
    is_browser_codec,
)

# The WHATWG Encoding Standard's encodings, by a name Python knows each by ("replacement"
# and "x-user-defined" have no Python codec; windows-874 is cp874, ISO-8859-8-I decodes as
# ISO-8859-8, x-mac-cyrillic as mac-cyrillic, EUC-KR as its superset cp949 in browsers).
WHATWG_IN_PYTHON = (
    "UTF-8", "IBM866", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-6",
    "ISO-8859-7", "ISO-8859-8", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15",
    "ISO-8859-16", "KOI8-R", "KOI8-U", "macintosh", "mac-cyrillic", "cp874", "windows-1250",
    "windows-1251", "windows-1252", "windows-1253", "windows-1254", "windows-1255",
    "windows-1256", "windows-1257", "windows-1258", "GBK", "gb18030", "Big5", "big5hkscs",
    "EUC-JP", "ISO-2022-JP", "Shift_JIS", "cp932", "EUC-KR", "cp949", "UTF-16BE", "UTF-16LE",
    "UTF-16", "utf-8-sig", "latin-1",
)  # fmt: skip


def test_every_name_is_a_canonical_python_codec_name() -> None:
    assert {codecs.lookup(name).name for name in BROWSER_CODECS} == BROWSER_CODECS


def test_the_whatwg_encodings_are_exactly_the_browser_codecs() -> None:
    assert {codecs.lookup(name).name for name in WHATWG_IN_PYTHON} == BROWSER_CODECS


def test_codecs_browsers_do_not_know_are_not_browser_codecs() -> None:
    for name in ("idna", "punycode", "unicode_escape", "utf-7", "cp037", "rot13", "hex"):
        assert not is_browser_codec(codecs.lookup(name).name), name


def test_every_whatwg_label_names_a_browser_codec() -> None:
    assert len(WHATWG_LABELS) >= 219  # the standard's labels (x-user-defined as windows-1252)
    assert set(WHATWG_LABELS.values()) <= BROWSER_CODECS


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        # Labels Python does not know, which were ignored and the page's encoding guessed.
        ("gb2312", "gb18030"),
        ("GB2312", "gb18030"),
        ("x-gbk", "gb18030"),
        ("windows-31j", "cp932"),
        ("x-sjis", "cp932"),
        ("windows-949", "cp949"),
        ("tis-620", "cp874"),
        ("windows-874", "cp874"),
        ("iso-8859-8-i", "iso8859-8"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        ("unicode-1-1-utf-8", "utf-8"),
        # Labels Python reads as another encoding than browsers do.
        ("iso-8859-9", "cp1254"),
        ("latin5", "cp1254"),
        ("shift_jis", "cp932"),
        ("euc-kr", "cp949"),
        ("ks_c_5601-1987", "cp949"),
        ("big5", "big5hkscs"),
        ("gbk", "gb18030"),
        ("iso-8859-1", "cp1252"),
        ("utf-16", "utf-16-le"),
        # Python spellings of the standard's encodings.
        ("latin-1", "cp1252"),
        ("euc_kr", "cp949"),
        ("utf_8", "utf-8"),
        (' "koi8-r" ', "koi8-r"),
    ],
)
def test_a_label_means_what_it_means_to_a_browser(label: str, codec: str) -> None:
    assert codec_for_label(label) == codec


@pytest.mark.parametrize("label", ["klingon", "utf-7", "idna", "hz-gb-2312", "iso-2022-kr", ""])
def test_labels_browsers_do_not_decode_with_are_unknown(label: str) -> None:
    assert codec_for_label(label) is None
