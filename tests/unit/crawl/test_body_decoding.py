"""Bounded Content-Encoding decoding: round trips, stacked codings and bombs."""

from __future__ import annotations

import functools
import gzip
import struct
import tracemalloc
import zlib

import brotli
import pytest
import zstandard

from siteaudit.crawl.decoding import _STAGES, BodyDecoder, decode_bytes, parse_codings
from siteaudit.crawl.errors import BodyTooLargeError, DecodingError
from siteaudit.model.page import CONTENT_CODINGS

MIB = 1024 * 1024
CAP = 10 * MIB
TEXT = b"<html><body>" + b"<p>hello, world</p>" * 5000 + b"</body></html>"


@functools.cache
def gzip_bomb(mib: int = 1024) -> bytes:
    """A valid gzip member of `mib` MiB of zeros, about 1 KB per MiB, built in ~0.3 s.

    Full flushes make each MiB of zeros compress to the same bytes, so the stream is one
    block repeated, wrapped in a gzip header and a correct CRC/size trailer.
    """
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(zeros) + deflate.flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + repeated * (mib - 2) + last + trailer
    )


@functools.cache
def brotli_bomb(mib: int = 1024) -> bytes:
    """`mib` MiB of zeros as brotli (a couple of KB)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(MIB)
    body = b"".join(compressor.process(zeros) for _ in range(mib)) + compressor.finish()
    return bytes(body)


@functools.cache
def zstd_bomb(mib: int = 1024) -> bytes:
    """`mib` MiB of zeros as zstd (a few dozen KB)."""
    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    zeros = bytes(MIB)
    return b"".join(compressor.compress(zeros) for _ in range(mib)) + compressor.flush()


def feed_in_chunks(decoder: BodyDecoder, data: bytes, size: int = 64 * 1024) -> None:
    for start in range(0, len(data), size):
        decoder.feed(data[start : start + size])


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT, wbits=-15)),
        ("br", brotli.compress(TEXT)),
        ("zstd", zstandard.ZstdCompressor().compress(TEXT)),
        ("identity", TEXT),
        (None, TEXT),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "br", "zstd", "identity", "none"],
)
@pytest.mark.parametrize("chunk", [1, 7])
def test_each_supported_coding_decodes_in_small_chunks(
    coding: str | None, encoded: bytes, chunk: int
) -> None:
    # A trickling server's first chunk can be one byte: too short to tell zlib-wrapped
    # deflate from raw (it was taken for raw, and the page failed to decode).
    decoder = BodyDecoder(coding, CAP)
    feed_in_chunks(decoder, encoded, chunk)
    assert decoder.finish() == TEXT


PAGE = b"<html><body>" + b"".join(b"<p>paragraph %d</p>" % i for i in range(60_000)) + b"</body>"
ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": functools.partial(brotli.compress, quality=5),
    "zstd": zstandard.ZstdCompressor().compress,
}


@functools.cache
def encoded_page(coding: str) -> bytes:
    return ENCODERS[coding](PAGE)


@pytest.mark.parametrize("coding", list(ENCODERS))
@pytest.mark.parametrize("chunk", [None, 65536, 4096, 100], ids=["whole", "64k", "4k", "100"])
def test_a_large_page_decodes_whole_whatever_its_chunks_inflate_to(
    coding: str, chunk: int | None
) -> None:
    # A 1.3 MB page compresses to a few dozen KB: one network chunk inflates to far more
    # than a piece. brotli kept only its first ~98 KB (the decoder was not drained).
    encoded = encoded_page(coding)
    decoder = BodyDecoder(coding, CAP)
    feed_in_chunks(decoder, encoded, size=chunk or len(encoded))
    assert decoder.finish() == PAGE


def test_stacked_codings_are_undone_last_applied_first() -> None:
    encoded = brotli.compress(gzip.compress(TEXT))
    assert decode_bytes(encoded, "gzip, br", CAP) == (TEXT, False)


def test_gzip_with_several_members_decodes_all_of_them() -> None:
    encoded = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode_bytes(encoded, "gzip", CAP) == (b"first second", False)


@pytest.mark.parametrize(
    "junk",
    [b"\n", bytes(10), b"\r\n<!-- cached -->", b"\x1f"],
    ids=["newline", "nuls", "text", "half-magic"],
)
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("chunk", [1, 7, None], ids=["bytes", "7", "whole"])
def test_junk_after_a_complete_stream_is_ignored_as_browsers_ignore_it(
    coding: str, junk: bytes, chunk: int | None
) -> None:
    # Servers that pad gzip with NULs or print a newline after the compressed output: the
    # page was a decoding-failed error, though browsers show it whole.
    encoded = ENCODERS[coding](TEXT) + junk
    decoder = BodyDecoder(coding, CAP)
    feed_in_chunks(decoder, encoded, size=chunk or len(encoded))
    assert decoder.finish() == TEXT


@pytest.mark.parametrize("coding", ["br", "zstd"])
@pytest.mark.parametrize("chunk", [1, 7, None], ids=["bytes", "7", "whole"])
def test_junk_after_a_brotli_or_zstd_stream_is_an_error_however_it_is_chunked(
    coding: str, chunk: int | None
) -> None:
    # brotli failed on it in the chunk that ended the stream and ignored it in a later one:
    # whether a page failed depended on where the network cut it.
    encoded = ENCODERS[coding](TEXT) + b"\n"
    decoder = BodyDecoder(coding, CAP)
    with pytest.raises(DecodingError):
        feed_in_chunks(decoder, encoded, size=chunk or len(encoded))
        decoder.finish()


@pytest.mark.parametrize("chunk", [1, 3, None], ids=["bytes", "3", "whole"])
def test_a_next_gzip_member_split_across_chunks_is_still_decoded(chunk: int | None) -> None:
    encoded = gzip.compress(b"first ") + gzip.compress(b"second") + b"\n"
    decoder = BodyDecoder("gzip", CAP)
    feed_in_chunks(decoder, encoded, size=chunk or len(encoded))
    assert decoder.finish() == b"first second"


def test_a_corrupt_member_after_a_complete_one_is_still_an_error() -> None:
    with pytest.raises(DecodingError):
        decode_bytes(gzip.compress(b"first") + b"\x1f\x8b\x08\x00 not a member", "gzip", CAP)


def test_codings_list_drops_identity_and_lower_cases() -> None:
    assert parse_codings("GZIP, identity , Br") == ["gzip", "br"]


def test_the_decoder_decodes_every_coding_the_model_says_browsers_decode() -> None:
    # The check content-encoding-unknown and the decoder must agree on what is known.
    assert set(_STAGES) == CONTENT_CODINGS - {"identity"}


def test_absurdly_stacked_codings_are_a_decoding_error() -> None:
    with pytest.raises(DecodingError):
        BodyDecoder("gzip, gzip, gzip, gzip, gzip", CAP)


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("UTF-8", TEXT),
        ("none", TEXT),
        ("compress", TEXT),
        ("sdch", TEXT),
        ("text/html", TEXT),
        ("gzip, x-compress", gzip.compress(TEXT)),  # an unknown one anywhere: as it came
    ],
)
def test_a_coding_browsers_do_not_know_leaves_the_body_as_it_came(coding: str, body: bytes) -> None:
    # As Chromium: each page of a site sending "Content-Encoding: UTF-8" was decoding-failed.
    assert decode_bytes(body, coding, CAP) == (body, False)


def test_a_body_left_as_it_came_is_capped_all_the_same() -> None:
    assert decode_bytes(TEXT, "UTF-8", 1000) == (TEXT[:1000], True)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_corrupt_data_is_a_decoding_error(coding: str) -> None:
    with pytest.raises(DecodingError):
        decode_bytes(b"\x1f\x8b\x08\x00this is not compressed at all" * 10, coding, CAP)


def test_a_body_exactly_at_the_cap_is_not_truncated() -> None:
    assert decode_bytes(bytes(1000), None, 1000) == (bytes(1000), False)


def test_a_body_past_the_cap_keeps_exactly_the_first_cap_bytes() -> None:
    body, truncated = decode_bytes(gzip.compress(TEXT), "gzip", 100)
    assert (body, truncated) == (TEXT[:100], True)


def test_the_gzip_bomb_really_is_a_gigabyte_in_a_megabyte() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 1.1 * MIB
    assert struct.unpack("<I", bomb[-4:])[0] == (1024 * MIB) & 0xFFFFFFFF


@pytest.mark.parametrize(
    ("coding", "make_bomb"),
    [("gzip", gzip_bomb), ("br", brotli_bomb), ("zstd", zstd_bomb)],
    ids=["gzip", "br", "zstd"],
)
def test_a_one_gigabyte_bomb_stops_at_the_cap_without_a_large_allocation(
    coding: str, make_bomb: functools._lru_cache_wrapper[bytes]
) -> None:
    bomb = make_bomb()
    tracemalloc.start()
    try:
        decoder = BodyDecoder(coding, CAP)
        with pytest.raises(BodyTooLargeError):
            feed_in_chunks(decoder, bomb)
        size = decoder.size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == CAP
    # The cap, plus the final join of the kept parts, plus a piece per stage.
    assert peak < 2 * CAP + 4 * MIB


def test_a_tiny_brotli_bomb_never_inflates_past_the_cap_in_one_call() -> None:
    bomb = brotli_bomb()
    assert len(bomb) < 4096
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLargeError):
            BodyDecoder("br", MIB).feed(bomb)  # the whole bomb in one chunk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MIB


def test_a_zstd_frame_asking_for_a_huge_window_is_refused() -> None:
    params = zstandard.ZstdCompressionParameters.from_level(1, window_log=27)
    stream = zstandard.ZstdCompressor(compression_params=params).compressobj()
    frame = stream.compress(bytes(MIB)) + stream.flush()  # streamed: declares a 128 MiB window
    assert zstandard.get_frame_parameters(frame).window_size == 128 * MIB
    with pytest.raises(DecodingError, match="zstd"):
        decode_bytes(frame, "zstd", CAP)


@pytest.mark.parametrize(
    ("coding", "make_bomb"),
    [("gzip", gzip_bomb), ("br", brotli_bomb), ("zstd", zstd_bomb)],
    ids=["gzip", "br", "zstd"],
)
def test_a_measuring_decoder_counts_every_byte_and_holds_only_what_it_keeps(
    coding: str, make_bomb: functools._lru_cache_wrapper[bytes]
) -> None:
    # How the fetcher measures a compressed body before it may hold it (crawl/bodies.py).
    encoded = make_bomb(8)
    tracemalloc.start()
    try:
        decoder = BodyDecoder(coding, CAP, keep=MIB)
        decoder.feed(encoded)  # at once: 8 MiB out of one small chunk
        size = decoder.size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == 8 * MIB
    assert decoder.finish() == bytes(MIB)  # the first MiB, kept whole
    assert peak < 3 * MIB  # a piece per stage over the kept MiB (8 MiB held before)


def test_a_measuring_decoder_still_stops_at_the_cap() -> None:
    decoder = BodyDecoder("gzip", 3 * MIB, keep=MIB)
    with pytest.raises(BodyTooLargeError):
        decoder.feed(gzip_bomb(8))
    assert decoder.size == 3 * MIB
    assert decoder.body == bytes(MIB)


def test_a_body_under_what_a_measuring_decoder_keeps_is_whole() -> None:
    decoder = BodyDecoder("gzip", CAP, keep=MIB)
    feed_in_chunks(decoder, gzip.compress(TEXT), size=1000)
    assert decoder.finish() == TEXT
