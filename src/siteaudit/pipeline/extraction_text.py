"""Content statistics: the main text, its simhash, and the counts readability formulas need.

Part of extraction (see `extraction.py`); runs last, on the tree whose invisible elements
(script, style, noscript, template) have already been stripped.

- The *main text* is the text of <main> / [role=main] elements, else of <article> elements,
  else of the body without its nav, header, footer and aside elements (the site's chrome).
- The *simhash* is a 64-bit Charikar simhash of the main text's word 3-shingles, each hashed
  with XXH64 (seed 0), so it is stable across processes and Python versions (unlike
  `hash()`). Only the first `MAX_SIMHASH_WORDS` words count and long texts sample their
  shingles (see `simhash`), which bounds the cost on very long pages.
- *Prose* is the text of paragraph-like blocks (p, li, dd, dt, td, th, blockquote,
  figcaption, headings) inside the main text, innermost blocks only; code blocks (pre) are
  not prose. Each block ends at least one sentence; inside it, a sentence also ends at a
  run of `.`, `!` or `?` followed by a space. Syllables are counted with the usual English
  heuristic (vowel groups, a silent final e, at least one per word). Counting over prose
  blocks keeps menus and code samples out of the Flesch reading ease score.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Any

from selectolax.lexbor import LexborNode
from xxhash import xxh64_digest

from siteaudit.pipeline.extraction_dom import Document

MAX_SIMHASH_WORDS = 2_000
INVISIBLE_TAGS = ["script", "style", "noscript", "template"]
SHINGLE_SAMPLE = 4
MIN_SAMPLED = 256  # below this many shingles, every one counts
MAX_PROSE_WORDS = 2_000  # readability is measured on a sample of this many words
PROSE_SLICE = 32  # prose blocks read at a time
MEMO_SIZE = 65_536  # distinct words each memo keeps
TEXT_CHUNK = 256 * 1024  # characters of a long text split into words at a time
CHROME = ("nav", "header", "footer", "aside")
_CHROME_SELECTOR = ", ".join(f"body {tag}" for tag in CHROME)
# Innermost paragraph-like blocks: containers (li, dd...) only when they hold no other block.
_BLOCKS = "p, li, dd, dt, td, th, blockquote, figcaption"
PROSE = ", ".join(
    ["p", "dt", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6"]
    + [f"{tag}:not(:has({_BLOCKS}))" for tag in ("li", "dd", "td", "th", "blockquote")]
)
_TERMINAL = (".", "!", "?")
_SENTENCE_END = 1 << 32  # in a _PROSE_WORDS value: the word ends a sentence
_PLACEHOLDER = re.compile(r"lorem\s+ipsum|dolor\s+sit\s+amet", re.IGNORECASE)
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SPACE = re.compile(r"\s")  # what str.split() splits at (str.isspace), in Unicode mode
_PUNCTUATION = "\"'()[]{}<>.,;:!?-"


@dataclass(frozen=True, slots=True)
class TextStats:
    """What `text_stats` measures."""

    word_count: int = 0
    text_bytes: int = 0
    main_text_bytes: int = 0
    simhash: int | None = None
    sentences: int = 0
    syllables: int = 0
    prose_words: int = 0
    placeholder_text: str | None = None


def text_stats(doc: Document) -> TextStats:
    """Visible and main text statistics of the page (mutates its tree: call it last)."""
    tree = doc.tree
    body = tree.body
    if body is None:
        return TextStats()
    invisible = [tag for tag in INVISIBLE_TAGS if tag in doc.tags]
    if invisible:  # each tag named costs a walk over the tree
        tree.strip_tags(invisible, recursive=True)
    visible, word_count, first_words = _normalised(body.text(separator=" "))
    regions = _main_regions(doc)
    if regions is None:
        chrome = _chrome(doc)
        for node in chrome:
            node.decompose()
        regions = [body]
        # Without chrome (a common case), the main text is the visible text.
        main, _, main_words = (
            _normalised(body.text(separator=" ")) if chrome else (visible, 0, first_words)
        )
    else:
        main, _, main_words = _normalised(" ".join(node.text(separator=" ") for node in regions))
    sentences, syllables, prose_words = _prose(doc, regions)
    text_bytes = _utf8_size(visible)
    return TextStats(
        word_count=word_count,
        text_bytes=text_bytes,
        placeholder_text=_placeholder(visible),
        main_text_bytes=text_bytes if main is visible else _utf8_size(main),
        simhash=simhash(main_words) if main_words else None,
        sentences=sentences,
        syllables=syllables,
        prose_words=prose_words,
    )


def _normalised(text: str) -> tuple[str, int, list[str]]:
    """`text`'s words joined by single spaces, how many there are, and the first
    `MAX_SIMHASH_WORDS` of them.

    A long text is split `TEXT_CHUNK` characters at a time: a list of all its words held
    ~65 bytes a word (an 8 MB page of prose: a million words, 60 MB a list, and the visible
    and main texts each had one), where the joined text holds one byte a character.
    """
    if len(text) <= TEXT_CHUNK:
        words = text.split()
        return " ".join(words), len(words), words[:MAX_SIMHASH_WORDS]
    count = 0
    first: list[str] = []
    pieces: list[str] = []
    start = 0
    while start < len(text):
        # Each piece ends just after a whitespace character (or at the end): no word is cut.
        space = _SPACE.search(text, start + TEXT_CHUNK)
        end = space.end() if space is not None else len(text)
        words = text[start:end].split()
        start = end
        count += len(words)
        if len(first) < MAX_SIMHASH_WORDS:
            first += words[: MAX_SIMHASH_WORDS - len(first)]
        if words:
            pieces.append(" ".join(words))
    return " ".join(pieces), count, first


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def simhash(words: list[str]) -> int:
    """The 64-bit simhash of the word 3-shingles of `words` (one shingle when fewer): bit b
    is set when bit b of more than half of the shingles' XXH64 values is.

    Long texts keep only the shingles that start at an *anchor* word (one whose CRC-32 is
    divisible by `SHINGLE_SAMPLE`): the choice depends on content only, so both copies of a
    shared passage keep the same shingles, and hashing costs a fraction of hashing them all.
    """
    # The i-th shingle is (firsts[i], seconds[i], thirds[i]); map, zip and compress run in
    # C, with no Python frame per shingle, and sampling happens before any string is built.
    firsts: Iterable[str] = words
    seconds: Iterable[str] = words[1:]
    thirds: Iterable[str] = words[2:]
    if len(words) - 2 >= MIN_SAMPLED:
        flags = list(map(_ANCHORS.__getitem__, words[: len(words) - 2]))
        if sum(flags) >= MIN_SAMPLED // SHINGLE_SAMPLE:
            firsts, seconds, thirds = (compress(part, flags) for part in (firsts, seconds, thirds))
    shingles = list(map(" ".join, zip(firsts, seconds, thirds, strict=False))) or [" ".join(words)]
    # XXH64 digests are the big-endian bytes of the hash value: byte k holds its bits
    # 8(7-k)..8(7-k)+7.
    digests = b"".join(map(xxh64_digest, map(str.encode, shingles)))
    count = len(shingles)
    # Byte k of every digest, side by side, is one integer; masking bit j of all of them at
    # once and counting the ones is C work over count bytes, 64 times.
    low_bits = int.from_bytes(b"\x01" * count, "little")
    result = 0
    for k in range(8):
        column = int.from_bytes(digests[k::8], "little")
        for j in range(8):
            if (column >> j & low_bits).bit_count() * 2 > count:
                result |= 1 << (8 * (7 - k) + j)
    return result


class _Memo(dict[str, Any]):
    """`function`'s results by argument, computed on first use, forgotten when full.

    A site's words and phrases repeat from page to page. A hit is one dict lookup, so
    `map(memo.__getitem__, words)` runs in C with no frame per word: half what an
    lru_cache hit costs with its recency bookkeeping.
    """

    __slots__ = ("_function",)

    def __init__(self, function: Callable[[str], Any]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, key: str) -> Any:
        if len(self) >= MEMO_SIZE:
            self.clear()  # the bound a huge site's vocabulary cannot outgrow
        value = self[key] = self._function(key)
        return value


def _is_anchor(word: str) -> bool:
    return zlib.crc32(word.encode()) % SHINGLE_SAMPLE == 0


def syllable_count(word: str) -> int:
    """Syllables of an English word by the vowel-group heuristic (at least one for a word)."""
    letters = word.lower().strip(_PUNCTUATION)
    groups = len(_VOWEL_GROUPS.findall(letters))
    if groups > 1 and letters.endswith("e") and not letters.endswith(("le", "ee")):
        groups -= 1  # a silent final e: "make", but not "table" or "free"
    return max(1, groups) if letters else 0


def _prose_word(word: str) -> int:
    """The word's syllables, plus `_SENTENCE_END` when it ends a sentence."""
    return syllable_count(word) + (_SENTENCE_END if word.endswith(_TERMINAL) else 0)


_ANCHORS = _Memo(_is_anchor)
# syllable_count's own code runs once per distinct word of the crawl; a sum of these values
# carries the sentence ends above the syllables (no text has 2**32 syllables).
_PROSE_WORDS = _Memo(_prose_word)


def _placeholder(text: str) -> str | None:
    """An excerpt around the first "lorem ipsum" of `text`, None when there is none."""
    # Plain substring tests are C-fast; the case-insensitive regex runs only on a hit.
    if not any(word in text for word in ("ipsum", "Ipsum", "IPSUM", "sit amet", "SIT AMET")):
        return None
    found = _PLACEHOLDER.search(text)
    if found is None:
        return None
    return text[max(0, found.start() - 40) : found.end() + 80]


def _main_regions(doc: Document) -> list[LexborNode] | None:
    """The outermost main (or else article) elements; None when the page has neither."""
    for selector, tags in (("main, [role=main]", {"main"}), ("article", {"article"})):
        nodes = [n for n in doc.css(selector) if not _has_ancestor_in(n, tags)]
        if nodes:
            return nodes
    return None


def _chrome(doc: Document) -> list[LexborNode]:
    """Top-level nav/header/footer/aside elements of the body (nested ones counted once)."""
    nodes = doc.css(_CHROME_SELECTOR)
    return [n for n in nodes if not _has_ancestor_in(n, set(CHROME))]


def _has_ancestor_in(node: LexborNode, tags: set[str]) -> bool:
    """True when an ancestor is one of `tags` or (for "main") has role=main."""
    parent = node.parent
    while parent is not None and parent.is_element_node:
        if parent.tag in tags or ("main" in tags and parent.attributes.get("role") == "main"):
            return True
        parent = parent.parent
    return False


def _prose(doc: Document, regions: list[LexborNode]) -> tuple[int, int, int]:
    """Sentences, syllables and words of the first `MAX_PROSE_WORDS` words of prose."""
    texts: list[str] = []
    total = 0  # words so far, counted as spaces + 1 per block
    blocks = [block for region in regions for block in doc.css(PROSE, within=region)]
    # A slice of blocks at a time, read in one comprehension; the sample ends with the block
    # that fills it.
    for first in range(0, len(blocks), PROSE_SLICE):
        part = [b.text(separator=" ").strip() for b in blocks[first : first + PROSE_SLICE]]
        part = [text for text in part if text]
        size = sum(map(str.count, part, repeat(" "))) + len(part)
        if total + size < MAX_PROSE_WORDS:
            texts += part
            total += size
            continue
        for text in part:
            texts.append(text)
            total += text.count(" ") + 1
            if total >= MAX_PROSE_WORDS:
                break
        break
    words = " ".join(texts).split()
    # A sentence ends at each run of . ! ? followed by whitespace, that is with each word
    # that ends with one, and with each block (the unterminated ones are counted apart).
    # One memo lookup per word gives both counts (see _PROSE_WORDS).
    ends, syllables = divmod(sum(map(_PROSE_WORDS.__getitem__, words)), _SENTENCE_END)
    unterminated = sum(1 for text in texts if not text.endswith(_TERMINAL))
    return ends + unterminated, syllables, len(words)
