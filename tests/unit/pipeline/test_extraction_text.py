"""The simhash of a text: its values are stored, so they change only on purpose."""

from __future__ import annotations

import pytest
import xxhash

from siteaudit.pipeline.extraction_text import simhash

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
