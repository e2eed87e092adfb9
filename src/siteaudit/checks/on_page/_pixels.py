"""Estimated rendered width of text in Arial, the font of Google's desktop results.

Advance widths are Arial's (metric-compatible with Helvetica's AFM) in thousandths of an
em. Characters not in the table count as an average lower-case letter, and East Asian wide
characters as a full em, so estimates are within a few per cent for Latin text.
"""

from __future__ import annotations

import unicodedata

_WIDTHS = {
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191,
    "(": 333, ")": 333, "*": 389, "+": 584, ",": 278, "-": 333, ".": 278, "/": 278,
    ":": 278, ";": 278, "<": 584, "=": 584, ">": 584, "?": 556, "@": 1015, "[": 278,
    "\\": 278, "]": 278, "^": 469, "_": 556, "`": 333, "{": 334, "|": 260, "}": 334,
    "~": 584, "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778,
    "H": 722, "I": 278, "J": 500, "K": 667, "L": 556, "M": 833, "N": 722, "O": 778,
    "P": 667, "Q": 778, "R": 722, "S": 667, "T": 611, "U": 722, "V": 667, "W": 944,
    "X": 667, "Y": 667, "Z": 611, "a": 556, "b": 556, "c": 500, "d": 556, "e": 556,
    "f": 278, "g": 556, "h": 556, "i": 222, "j": 222, "k": 500, "l": 222, "m": 833,
    "n": 556, "o": 556, "p": 556, "q": 556, "r": 333, "s": 500, "t": 278, "u": 556,
    "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
    "\u2013": 556, "\u2014": 1000, "\u2026": 1000, "\u00b7": 278,  # en/em dash, ellipsis, dot
    "\u2018": 222, "\u2019": 222, "\u201c": 333, "\u201d": 333,  # curly quotes
}  # fmt: skip
_DIGIT = 556
_DEFAULT = 556
_WIDE = 1000


def text_width(text: str, font_px: float) -> int:
    """The estimated width in CSS pixels of `text` set in Arial at `font_px`."""
    units = sum(_advance(char) for char in text)
    return round(units * font_px / 1000)


def _advance(char: str) -> int:
    if char in _WIDTHS:
        return _WIDTHS[char]
    if char.isdigit():
        return _DIGIT
    if unicodedata.east_asian_width(char) in {"W", "F"}:
        return _WIDE
    return _DEFAULT
