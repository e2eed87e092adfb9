"""The browser encodings' codec names are Python's canonical ones (the module writes them out
rather than look them up at import)."""

from __future__ import annotations

import codecs

from siteaudit.pipeline.encodings import BROWSER_CODECS, is_browser_codec

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
