"""The character encodings browsers know (the WHATWG Encoding Standard), as Python codecs.

A label naming anything else is unknown to a browser, which then decodes the page as if no
label had been given. Python knows many more codecs, and some fail on any page: `idna` and
`punycode` accept no error handler, `unicode_escape` reads backslashes; a site naming them
in its Content-Type made its pages fail to be read.

`WHATWG_LABELS` (in `model/encodings.py`, where the checks read it too) maps each label
of the standard to the Python codec that decodes as browsers do: Python knows some labels
not at all (`gb2312`, `windows-31j`, `tis-620`,
`x-sjis`, `windows-949`), and others as a different encoding than browsers (`iso-8859-9`
is windows-1254 to a browser, `shift_jis` its superset cp932, `euc-kr` cp949, `big5`
Big5-HKSCS, `gbk` and `gb2312` gb18030). A Chinese page declaring `charset=gb2312` was
decoded by guessing, a Thai `tis-620` one guessed as Shift_JIS.
"""

from __future__ import annotations

import codecs

from siteaudit.model.encodings import WHATWG_LABELS, whatwg_codec

__all__ = ["BROWSER_CODECS", "WHATWG_LABELS", "codec_for_label", "is_browser_codec"]

# The Python codecs of the WHATWG encodings (each one's canonical name, as
# `codecs.lookup(name).name` gives it), written out: looking them up at import loaded 45
# codec modules, 8 ms of every start (tests/unit/pipeline/test_encodings.py derives them).
BROWSER_CODECS = frozenset(
    {
        "utf-8",
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "cp866",
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        *(f"cp{n}" for n in range(1250, 1259)),
        "gbk",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp949",
    }
)


def is_browser_codec(codec: str) -> bool:
    """True when the Python codec `codec` (a canonical name) is one browsers decode with."""
    return codec in BROWSER_CODECS


def codec_for_label(label: str | None) -> str | None:
    """The Python codec to decode a page labelled `label` with (quotes and whitespace around
    it ignored): the standard's labels as browsers read them (`whatwg_codec`), then a Python
    spelling of one of its encodings (`latin_1`, `euc_kr`); None for anything else, as a
    browser ignores it."""
    if not label:
        return None
    label = label.strip().strip("\"'")
    known = whatwg_codec(label)
    if known is not None:
        return known
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # As browsers decode the encoding: iso8859-1 is windows-1252 to them, euc_kr cp949...
    name = whatwg_codec(name) or whatwg_codec(name.replace("_", "-")) or name
    return name if is_browser_codec(name) else None
