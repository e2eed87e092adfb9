"""The simhash of a text (its values are stored, so they change only on purpose), and the
words of long texts."""

from __future__ import annotations

import tracemalloc

import pytest
import xxhash
from selectolax.lexbor import LexborHTMLParser

from siteaudit.pipeline import extraction_text
from siteaudit.pipeline.extraction_dom import Document
from siteaudit.pipeline.extraction_text import _normalised, simhash, text_stats

# Computed when the shingle hash became XXH64 (0.1.0 unreleased, see CHANGELOG): stored
# simhashes are compared with each other, so a change here is a deliberate break.
PINNED = [
    (["lonely"], 0x08834E8F92E3A0C5),
    (["two", "words"], 0x415621C010C5D643),
    ([f"w{i % 37}" for i in range(100)], 0xBFAF7E359B59DEBF),  # every shingle counts
    ([f"word{(i * 7919) % 1009}" for i in range(1500)], 0x6EEE0F955DA3F056),  # anchors only
]


@pytest.mark.parametrize(("words", "expected"), PINNED, ids=["one", "two", "short", "long"])
def test_simhash_values_stay_what_earlier_scans_stored(words: list[str], expected: int) -> None:
    assert simhash(words) == expected


def test_simhash_is_the_majority_of_each_bit_over_the_shingle_hashes() -> None:
    words = [f"w{i % 11}" for i in range(40)]
    shingles = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    digests = [xxhash.xxh64_intdigest(s.encode()) for s in shingles]
    expected = sum(
        1 << bit for bit in range(64) if sum(d >> bit & 1 for d in digests) * 2 > len(digests)
    )
    assert simhash(words) == expected


# Texts whose words a split in pieces could get wrong: Unicode whitespace (what str.split
# splits at), runs of it at the ends and between pieces, words longer than a piece.
AWKWARD_TEXTS = [
    "",
    " \t\n ",
    "one",
    "  lead and trail  ",
    "a\u00a0b\u2003c\u3000d\x1ce\x85f\u2028g",
    "short " + "x" * 50 + " words  around\n\n a very long one " + "y" * 23,
    " ".join(f"w{i}" for i in range(3000)),  # more than the simhash keeps
    "é∂ ünï çødé " * 40,
]


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
@pytest.mark.parametrize("chunk", [1, 2, 7, 64, extraction_text.TEXT_CHUNK])
def test_a_long_text_split_in_pieces_gives_what_one_split_gives(
    text: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extraction_text, "TEXT_CHUNK", chunk)
    words = text.split()
    assert _normalised(text) == (
        " ".join(words),
        len(words),
        words[: extraction_text.MAX_SIMHASH_WORDS],
    )


def prose_page(paragraphs: int, chrome: bool = False, main: bool = False) -> Document:
    """A page of `paragraphs` paragraphs of 60 distinct-ish words (~500 bytes each)."""
    rows = (
        "<p>" + " ".join(f"wörd{(p * 60 + w) * 7919 % 100_003}" for w in range(60)) + ".</p>"
        for p in range(paragraphs)
    )
    body = "".join(rows)
    if main:
        body = f"<main>{body}</main><p>outside main</p>"
    if chrome:
        body = f"<nav>menu one two</nav>{body}<footer>lorem ipsum dolor</footer>"
    html = f"<!DOCTYPE html><html lang=en><head><title>t</title></head><body>{body}</body>"
    return Document(LexborHTMLParser(html))


@pytest.mark.parametrize(("chrome", "main"), [(False, False), (True, False), (False, True)])
def test_text_statistics_of_a_long_page_do_not_depend_on_the_piece_size(
    chrome: bool, main: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = text_stats(prose_page(300, chrome, main))  # ~200 KB of text: one piece
    monkeypatch.setattr(extraction_text, "TEXT_CHUNK", 1000)
    assert text_stats(prose_page(300, chrome, main)) == whole
    assert whole.word_count >= 18_000 and whole.simhash is not None
    assert (whole.placeholder_text is not None) is chrome


def test_a_large_page_of_prose_is_measured_without_a_list_of_all_its_words() -> None:
    doc = prose_page(8_000)  # 4 MB of text, 480,000 words
    tracemalloc.start()
    try:
        stats = text_stats(doc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats.word_count == 480_000
    # The texts themselves (the body's, the visible one: ~5 MB each) and a piece's words; a
    # list of every word held ~30 MB (55 MiB traced in all).
    assert peak < 24 * 1024 * 1024
