"""Which character encoding an HTML body is in, named as a Python codec.

The order follows the WHATWG encoding-sniffing algorithm that browsers implement: a byte
order mark wins (it cannot be there by accident), then the Content-Type charset, then a
`<meta charset>` or `http-equiv` declaration in the first 2 KB. Labels are read as
browsers read them (`pipeline/encodings.py`): `iso-8859-1` and `us-ascii` are windows-1252
(bytes 0x80-0x9F decode to the characters a browser shows instead of control codes),
`gb2312` is gb18030, `shift_jis` its superset cp932, `tis-620` windows-874.

A body that declares nothing is UTF-8 when it reads as UTF-8 (a stray byte or two
allowed). When its non-ASCII bytes are mostly not UTF-8 it is in a legacy encoding, and,
as browsers do (Firefox's chardetng, Chrome's CED), the bytes tell which: a Latin-script
page has its few non-ASCII letters one or two at a time between ASCII ones, and is read as
windows-1252 (the standard's fallback encoding); a Japanese, Chinese, Korean, Cyrillic,
Greek, Hebrew, Arabic or Thai page has whole words of non-ASCII bytes, and charset-normalizer
names which of those encodings reads it as a language. An old Latin-1 page without a
declaration had every accented letter replaced by U+FFFD; a Shift_JIS one was read as
windows-1252 mojibake.
"""

from __future__ import annotations

import codecs
import re

from siteaudit.pipeline.encodings import codec_for_label

SNIFF_BYTES = 2048
DEFAULT_ENCODING = "utf-8"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
# A comment, or one that runs past the sniffed bytes (its end is not in them).
_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
# The share of a legacy body's non-ASCII bytes in runs of three or more above which it is
# not in a Latin script: a few percent in French, German, Portuguese or Czech pages (a
# Polish "żółć" is the longest such run), three quarters or more in Japanese, Chinese,
# Korean, Cyrillic, Greek, Hebrew and Arabic ones (tests/unit/crawl/test_charset_detection.py).
_NON_LATIN_RUNS = 0.5
_LEGACY_SAMPLE = 65536
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")
_ASCII = bytes(range(128))
# The legacy encodings of non-Latin scripts browsers detect, as Python codecs (Latin-script
# pages are windows-1252's), in the supersets browsers decode with (cp932 for Shift_JIS,
# cp949 for EUC-KR, Big5-HKSCS): asked about the strict ones, a Japanese page with a ① was
# not Shift_JIS.
_NON_LATIN_CODECS = (
    "cp932",
    "euc_jp",
    "gb18030",
    "big5hkscs",
    "cp949",
    "cp1251",
    "koi8_r",
    "koi8_u",
    "cp866",
    "iso8859_5",
    "cp1253",
    "cp1255",
    "cp1256",
    "cp874",
)


# The Python codec name for an encoding label, as browsers read it; None when unknown.
codec_name = codec_for_label


def bom_encoding(body: bytes) -> str | None:
    """The encoding a byte order mark at the start of `body` announces."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset a `<meta>` element declares within the first 2 KB of `body`, outside
    comments (the prescan browsers run skips them: a commented-out `<meta charset>` of
    an old template declared nothing)."""
    head = body[:SNIFF_BYTES]
    if b"<!--" in head:
        head = _COMMENT.sub(b"", head)
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii").lower()
    # A meta tag readable as ASCII cannot be UTF-16 (WHATWG "get an encoding" rule).
    return "utf-8" if label.startswith("utf-16") else label


def detect_encoding(content_type: str | None, body: bytes) -> str:
    """The codec to decode an HTML `body` with: BOM, header, meta, else what the bytes
    read as (`undeclared_encoding`)."""
    for found in (bom_encoding(body), header_charset(content_type), meta_charset(body)):
        name = codec_name(found)
        if name is not None:
            return name
    return undeclared_encoding(body)


def undeclared_encoding(body: bytes) -> str:
    """UTF-8, unless most of `body`'s non-ASCII bytes are not UTF-8: then the legacy
    encoding they read as (`legacy_encoding`).

    A body cut in the middle of a character (at the size cap) is still UTF-8. All of it
    runs at C speed: a decode, and one with the invalid bytes dropped when the first fails.
    """
    try:
        body.decode(DEFAULT_ENCODING)
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            return DEFAULT_ENCODING  # cut within its last character
        valid = body.decode(DEFAULT_ENCODING, "ignore")
        invalid_bytes = len(body) - len(valid.encode(DEFAULT_ENCODING))
        non_ascii_chars = len(valid) - len(valid.encode("ascii", "ignore"))
        if invalid_bytes > non_ascii_chars:
            return legacy_encoding(body)
    return DEFAULT_ENCODING


def legacy_encoding(body: bytes) -> str:
    """windows-1252 for a Latin-script `body`, else the non-Latin legacy encoding
    charset-normalizer reads it as (windows-1252 when none reads it).

    Only the first 64 KB are weighed, up to its last `<`: no multi-byte character of
    these encodings has that byte in it, so the sample ends between two characters (a
    sample, or a body cut at the size cap, ending inside one read as none of them: a 10 MB
    Japanese page was windows-1252). At the cap this costs 7.5 ms and 0.4 MB, where the
    whole body given to charset-normalizer cost 65 ms and 38 MB.
    """
    sample = body[:_LEGACY_SAMPLE]
    high = len(sample.translate(None, _ASCII))
    in_runs = sum(map(len, _HIGH_RUN.findall(sample)))
    if high and in_runs / high >= _NON_LATIN_RUNS:
        from charset_normalizer import from_bytes  # noqa: PLC0415 (15 ms only such pages pay)

        end = sample.rfind(b"<")
        whole = sample[:end] if end > 0 else sample
        best = from_bytes(whole, cp_isolation=list(_NON_LATIN_CODECS)).best()
        name = codec_name(best.encoding) if best is not None else None
        if name is not None:
            return name
    return "cp1252"
