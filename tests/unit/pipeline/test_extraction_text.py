"""The simhash of a text: its values are stored, so they must never change."""

from __future__ import annotations

import hashlib

import pytest

from siteaudit.pipeline.extraction_text import simhash

# Computed by the first implementation; a re-scan compares its simhashes with these.
PINNED = [
    (["lonely"], 0xCED245B78D76A595),
    (["two", "words"], 0xCC61160CD794CEB0),
    ([f"w{i % 37}" for i in range(100)], 0xBEB81BCA921C8A4C),  # every shingle counts
    ([f"word{(i * 7919) % 1009}" for i in range(1500)], 0xC4958C5B2CDE1D4A),  # anchors only
]


@pytest.mark.parametrize(("words", "expected"), PINNED, ids=["one", "two", "short", "long"])
def test_simhash_values_stay_what_earlier_scans_stored(words: list[str], expected: int) -> None:
    assert simhash(words) == expected


def test_simhash_is_the_majority_of_each_bit_over_the_shingle_hashes() -> None:
    words = [f"w{i % 11}" for i in range(40)]
    shingles = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    digests = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
        for s in shingles
    ]
    expected = sum(
        1 << bit for bit in range(64) if sum(d >> bit & 1 for d in digests) * 2 > len(digests)
    )
    assert simhash(words) == expected
