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
names which of those encodings reads it as a language. The page's `<html lang>`, when it
names a language with legacy encodings of its own, narrows the choice to them first. An
old Latin-1 page without a declaration had every accented letter replaced by U+FFFD; a
Shift_JIS one was read as windows-1252 mojibake.
"""

from __future__ import annotations

import codecs
import re

from siteaudit.pipeline.encodings import codec_for_label

SNIFF_BYTES = 2048
HEAD_BYTES = 256 * 1024  # how far a late `<meta charset>` is looked for (`meta_charset`)
DEFAULT_ENCODING = "utf-8"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
# A comment, or one that runs past the sniffed bytes (its end is not in them).
_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)
# Where a head ends: its end tag, or the first start tag a head cannot hold (the body's).
_NOT_IN_HEAD = re.compile(
    rb"</head|<(?!(?:html|head|meta|link|script|style|title|base|noscript|template)[\s/>])"
    rb"[a-z]",
    re.IGNORECASE,
)
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
# The legacy encodings of each language that has its own (by ISO 639-1 code, as `<html
# lang>` gives it), the Windows code page first; Chinese by its region (`_language_codecs`).
_LANGUAGE_CODECS: dict[str, tuple[str, ...]] = {
    "ja": ("cp932", "euc_jp"),
    "ko": ("cp949",),
    "ru": ("cp1251", "koi8_r", "cp866"),
    "uk": ("cp1251", "koi8_u"),
    **dict.fromkeys(("be", "bg", "mk", "kk"), ("cp1251",)),
    "el": ("cp1253",),
    **dict.fromkeys(("he", "iw", "yi"), ("cp1255",)),
    **dict.fromkeys(("ar", "fa", "ur"), ("cp1256",)),
    "th": ("cp874",),
    **dict.fromkeys(("tr", "az"), ("cp1254",)),
    **dict.fromkeys(("pl", "cs", "sk", "hu", "sl", "hr", "ro", "bs", "sq"), ("cp1250",)),
    **dict.fromkeys(("lt", "lv", "et"), ("cp1257",)),
    "vi": ("cp1258",),
}
_LATIN_CODE_PAGES = frozenset({"cp1250", "cp1254", "cp1257", "cp1258"})
_HTML_LANG = re.compile(
    rb"""<html[^>]*?\slang\s*=\s*["']?\s*([a-z]{2,3})(?:[-_]([a-z]{2,4}))?""", re.IGNORECASE
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
    """The charset a `<meta>` element of the head declares, outside comments (the prescan
    browsers run skips them: a commented-out `<meta charset>` of an old template declared
    nothing): in the first 2 KB, else, as Chromium reads on, before the first tag that
    cannot be in a head (within 256 KB): a tag manager's or consent banner's script pasted
    above the declaration pushed it past 2 KB, and the page was read by guessing."""
    head = body[:SNIFF_BYTES]
    if b"<!--" in head:
        head = _COMMENT.sub(b"", head)
    match = _META_CHARSET.search(head)
    if match is None and len(body) > SNIFF_BYTES:
        head = body[:HEAD_BYTES]
        if b"<!--" in head:
            head = _COMMENT.sub(b"", head)
        ends = _NOT_IN_HEAD.search(head)
        match = _META_CHARSET.search(head, 0, ends.start() if ends else len(head))
    if match is None:
        return None
    label = match.group(1).decode("ascii").lower()
    # A meta tag readable as ASCII cannot be UTF-16 (WHATWG "get an encoding" rule).
    return "utf-8" if label.startswith("utf-16") else label


def detect_encoding(content_type: str | None, body: bytes) -> str:
    """The codec to decode an HTML `body` with: BOM, header, meta, else what the bytes
    read as (`undeclared_encoding`). Each is looked for only when those before it gave
    nothing a browser knows."""
    return (
        codec_name(bom_encoding(body))
        or codec_name(header_charset(content_type))
        or codec_name(meta_charset(body))
        or undeclared_encoding(body)
    )


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
    """The legacy encoding of a `body` that is not UTF-8 and declares none: the one its
    `<html lang>` names, when the language has legacy encodings of its own and the bytes
    read in one (`_language_codecs`); else windows-1252 for Latin-script text, and the
    non-Latin encoding charset-normalizer reads it as (windows-1252 when none reads it).

    Only the first 64 KB are weighed, up to its last `<`: no multi-byte character of
    these encodings has that byte in it, so the sample ends between two characters (a
    sample, or a body cut at the size cap, ending inside one read as none of them: a 10 MB
    Japanese page was windows-1252). At the cap this costs 7.5 ms and 0.4 MB, where the
    whole body given to charset-normalizer cost 65 ms and 38 MB.
    """
    sample = body[:_LEGACY_SAMPLE]
    end = sample.rfind(b"<")
    whole = sample[:end] if end > 0 else sample
    high = len(sample.translate(None, _ASCII))
    in_runs = sum(map(len, _HIGH_RUN.findall(sample)))
    non_latin = bool(high) and in_runs / high >= _NON_LATIN_RUNS
    hinted = _language_codecs(sample)
    # A language of a non-Latin script counts only when the bytes are not Latin text (a
    # template's lang attribute is not always the page's); a Latin one always (its code
    # page differs from windows-1252 in a few letters).
    if hinted and (non_latin or hinted[0] in _LATIN_CODE_PAGES):
        named = _read_as(whole, hinted)
        if named is not None:
            return named
    if non_latin:
        named = _read_as(whole, _NON_LATIN_CODECS)
        if named is not None:
            return named
    return "cp1252"


def _read_as(sample: bytes, candidates: tuple[str, ...]) -> str | None:
    """Which of `candidates` reads `sample`: the one it decodes in, when only one is asked
    about, else charset-normalizer's choice; None when none reads it."""
    if len(candidates) == 1:
        try:
            sample.decode(candidates[0])
        except UnicodeDecodeError:
            return None
        return codec_name(candidates[0])
    from charset_normalizer import from_bytes  # noqa: PLC0415 (15 ms only such pages pay)

    best = from_bytes(sample, cp_isolation=list(candidates)).best()
    return codec_name(best.encoding) if best is not None else None


def _language_codecs(sample: bytes) -> tuple[str, ...] | None:
    """The legacy encodings of the language `<html lang>` names in `sample`, for languages
    with encodings of their own (Western European ones are windows-1252's, the default);
    None when it names none or another. Browsers guess from the locale (Chromium) or the
    domain (Firefox); the page's own language is a better guide, and the only one on a
    short page: a title and a word of Greek, Hebrew or Arabic were misread without it."""
    found = _HTML_LANG.search(sample, 0, SNIFF_BYTES)
    if found is None:
        return None
    language = found.group(1).lower().decode("ascii")
    if language == "zh":
        region = (found.group(2) or b"").lower()
        return ("big5hkscs",) if region in (b"tw", b"hk", b"mo", b"hant") else ("gb18030",)
    return _LANGUAGE_CODECS.get(language)
