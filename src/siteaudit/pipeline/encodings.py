"""The character encodings browsers know (the WHATWG Encoding Standard), as Python codecs.

A label naming anything else is unknown to a browser, which then decodes the page as if no
label had been given. Python knows many more codecs, and some fail on any page: `idna` and
`punycode` accept no error handler, `unicode_escape` reads backslashes; a site naming them
in its Content-Type made its pages fail to be read.
"""

from __future__ import annotations

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
