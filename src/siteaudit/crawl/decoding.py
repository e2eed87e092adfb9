"""Bounded Content-Encoding decoders: a compression bomb never inflates past the byte cap.

A body flows chunk by chunk through one stage per content coding (last applied, first
undone) into a `CappedBuffer`. Every stage emits output in pieces of at most `PIECE_BYTES`
and the buffer raises `BodyTooLargeError` the moment the cap is passed, so at no point is
more than about cap + one piece per stage held in memory, whatever the compression ratio:

* gzip / deflate: `zlib.decompressobj().decompress(data, max_length)` + `unconsumed_tail`;
* br: brotli 1.2's `Decompressor.process(data, output_buffer_limit=...)`, draining with
  empty input until it yields nothing;
* zstd: `zstandard` `stream_writer` with a bounded `write_size` and window size.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from typing import IO, Protocol, cast

import brotli
import zstandard

from siteaudit.crawl.errors import BodyTooLargeError, DecodingError

PIECE_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"  # how a gzip member begins (RFC 1952)
MAX_CODINGS = 4  # nobody stacks more; a long list is an attack on our CPU
MAX_IDLE = 2  # empty pieces in a row a brotli decoder that takes no input may yield
#: RFC 8878 §3.1.1.1.2: HTTP zstd decoders need not accept windows above 8 MiB, and a
#: frame declaring a 2 GiB window would otherwise make the decoder allocate it.
ZSTD_MAX_WINDOW = 8 * 1024 * 1024


class Writer(Protocol):
    """Where a stage sends its output (the next stage or the buffer)."""

    def write(self, data: bytes) -> int:
        """Take `data`; return its length."""
        ...


class Stage(Writer, Protocol):
    """One decoding step that can be flushed at the end of the body."""

    def flush(self) -> None:
        """Emit whatever is still buffered."""
        ...


class CappedBuffer:
    """Collects decoded bytes up to `limit`, keeping the first `limit` and then refusing.

    With `keep`, only the first `keep` bytes are kept and the rest only counted (`size`
    still counts them, and the cap still holds): a measure of a body's decoded size that
    holds no more than `keep` of it.
    """

    def __init__(self, limit: int, keep: int | None = None) -> None:
        self.limit = limit
        self.keep = limit if keep is None else min(keep, limit)
        self.size = 0
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        """Append `data`; raise BodyTooLargeError (keeping what fits) past the cap."""
        room = self.limit - self.size
        if len(data) > room:
            if room > 0:
                self._keep(data[:room])
                self.size = self.limit
            raise BodyTooLargeError(self.limit)
        self._keep(data)
        self.size += len(data)
        return len(data)

    def _keep(self, data: bytes) -> None:
        if self.size + len(data) <= self.keep:
            self._parts.append(data)
        elif self.size < self.keep:
            self._parts.append(data[: self.keep - self.size])

    def flush(self) -> None:
        """Nothing is buffered beyond the parts themselves."""

    def getvalue(self) -> bytes:
        """Everything collected so far."""
        if len(self._parts) != 1:
            self._parts = [b"".join(self._parts)]
        return self._parts[0]


class ZlibStage:
    """gzip (multi-member) or deflate (zlib-wrapped or raw, told apart by the header).

    Bytes after a complete stream are ignored, as browsers ignore them, unless they start
    another gzip member: some servers pad a gzip body with NULs or end it with a newline
    written after the compressed output, and a page browsers show whole was a
    `decoding-failed` error."""

    def __init__(self, out: Stage, *, gzip: bool) -> None:
        self._out = out
        self._gzip = gzip
        self._inflater: zlib._Decompress | None = None
        # A first byte of deflate, or one after a gzip member that may begin the next one's
        # magic, waiting for the next chunk.
        self._pending = b""
        self._ended = False  # junk came after the last stream: the rest is ignored

    def write(self, data: bytes) -> int:
        """Inflate `data` piece by piece into the next stage."""
        size = len(data)
        data, self._pending = self._pending + data, b""
        try:
            while data and not self._ended:
                inflater = self._inflater
                if inflater is not None and inflater.eof:
                    if not self._gzip or not GZIP_MAGIC.startswith(data[:2]):
                        self._ended = True  # junk after the stream: ignore it all
                        break
                    if len(data) < len(GZIP_MAGIC):
                        self._pending = data  # the rest of the magic is in the next chunk
                        break
                    inflater = None
                if inflater is None:
                    if not self._gzip and len(data) < 2:
                        self._pending = data  # deflate's header tells raw from zlib-wrapped
                        break
                    inflater = self._inflater = zlib.decompressobj(self._wbits(data))
                data = self._drain(inflater, data)
        except zlib.error as exc:
            name = "gzip" if self._gzip else "deflate"
            raise DecodingError(f"corrupt {name} data: {exc}") from exc
        return size

    def _drain(self, inflater: zlib._Decompress, data: bytes) -> bytes:
        while True:
            piece = inflater.decompress(data, PIECE_BYTES)
            if piece:
                self._out.write(piece)
            data = inflater.unconsumed_tail
            if inflater.eof:
                return inflater.unused_data  # a next gzip member, or trailing junk
            if not data and len(piece) < PIECE_BYTES:
                return b""

    def _wbits(self, data: bytes) -> int:
        if self._gzip:
            return 16 + zlib.MAX_WBITS
        # RFC 9110 says deflate means zlib-wrapped, but many servers send raw deflate.
        is_zlib = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS

    def flush(self) -> None:
        """A cut stream keeps what inflated so far; nothing more to emit."""
        self._out.flush()


class BrotliStage:
    """br, bounded through brotli 1.2's output_buffer_limit.

    Bytes after the end of the stream are an error wherever they fall, as for zstd (and as
    curl has it): the decoder fails on them within the chunk that ends the stream, and it
    was ignoring them in a later one, so a large page's verdict hung on where the network
    cut its chunks. (gzip's trailing bytes are ignored: browsers show such pages, and zlib
    says where the stream ended.)"""

    def __init__(self, out: Stage) -> None:
        self._out = out
        self._decompressor = brotli.Decompressor()

    def write(self, data: bytes) -> int:
        """Decompress `data` piece by piece into the next stage."""
        size = len(data)
        decompressor = self._decompressor
        if decompressor.is_finished():
            if data:
                raise DecodingError("corrupt br data: bytes after the end of the stream")
            return size
        try:
            # The decoder may hold more output than one piece even when it could take more
            # input (`can_accept_more_data()` says only the latter): it is drained until
            # it yields nothing. Stopping while it could take input lost the rest of any
            # chunk that inflates past a piece (a 1.2 MB page kept its first 98 KB).
            piece = decompressor.process(data, output_buffer_limit=PIECE_BYTES)
            idle = 0
            while piece or (not decompressor.can_accept_more_data() and idle < MAX_IDLE):
                idle = 0 if piece else idle + 1
                self._out.write(piece)
                piece = decompressor.process(b"", output_buffer_limit=PIECE_BYTES)
        except brotli.error as exc:
            raise DecodingError(f"corrupt br data: {exc}") from exc
        return size

    def flush(self) -> None:
        """Everything was emitted in write; pass the flush on."""
        self._out.flush()


class ZstdStage:
    """zstd, through a stream writer with bounded pieces and window."""

    def __init__(self, out: Stage) -> None:
        self._out = out
        decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        # zstandard only ever calls write() on its target, which a Stage provides.
        target = cast("IO[bytes]", out)
        self._writer = decompressor.stream_writer(
            target, write_size=PIECE_BYTES, write_return_read=True, closefd=False
        )

    def write(self, data: bytes) -> int:
        """Decompress `data`; the writer hands the next stage pieces of PIECE_BYTES."""
        try:
            self._writer.write(data)
        except zstandard.ZstdError as exc:
            raise DecodingError(f"corrupt zstd data: {exc}") from exc
        return len(data)

    def flush(self) -> None:
        """Pass the flush on."""
        self._out.flush()


def parse_codings(content_encoding: str | None) -> list[str]:
    """The content codings in the order they were applied, `identity` dropped."""
    if not content_encoding:
        return []
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    return [c for c in codings if c and c != "identity"]


# The stage of each content coding browsers decode (`model.page.CONTENT_CODINGS`, identity
# aside: `parse_codings` drops it).
_STAGES: dict[str, Callable[[Stage], Stage]] = {
    "gzip": functools.partial(ZlibStage, gzip=True),
    "x-gzip": functools.partial(ZlibStage, gzip=True),
    "deflate": functools.partial(ZlibStage, gzip=False),
    "br": BrotliStage,
    "zstd": ZstdStage,
}


class BodyDecoder:
    """Decodes a body, chunk by chunk, through its content codings into a capped buffer.

    `feed` raises BodyTooLargeError once the decoded size passes `limit` (the first `limit`
    bytes stay available in `body`) and DecodingError for corrupt data.

    A Content-Encoding naming a coding browsers do not decode (`UTF-8`, `none`, `binary`,
    `compress`) leaves the whole body as it came, as Chromium leaves it: such a site's
    pages show in a browser, and each was a `decoding-failed` error. The check
    `content-encoding-unknown` reports the header.
    """

    def __init__(self, content_encoding: str | None, limit: int, keep: int | None = None) -> None:
        """`keep`: hold only the first `keep` decoded bytes, counting the rest (`CappedBuffer`)."""
        codings = parse_codings(content_encoding)
        if len(codings) > MAX_CODINGS:
            raise DecodingError(f"{len(codings)} stacked content-encodings (max {MAX_CODINGS})")
        if not _STAGES.keys() >= set(codings):
            codings = []
        self._buffer = CappedBuffer(limit, keep)
        head: Stage = self._buffer
        for coding in codings:  # applied first = undone last, so it wraps the buffer first
            head = _STAGES[coding](head)
        self._head = head
        self.compressed = bool(codings)

    def feed(self, chunk: bytes) -> None:
        """Decode one raw chunk of the body."""
        self._head.write(chunk)

    def finish(self) -> bytes:
        """Flush every stage and return the decoded body."""
        self._head.flush()
        return self._buffer.getvalue()

    @property
    def body(self) -> bytes:
        """The decoded bytes so far (after a cap or error: what was decoded before it)."""
        return self._buffer.getvalue()

    @property
    def size(self) -> int:
        """How many decoded bytes came out so far (kept, or only counted past `keep`)."""
        return self._buffer.size


def decode_bytes(data: bytes, content_encoding: str | None, limit: int) -> tuple[bytes, bool]:
    """Decode a whole body at once; returns (body, truncated). DecodingError when corrupt."""
    decoder = BodyDecoder(content_encoding, limit)
    try:
        decoder.feed(data)
        return decoder.finish(), False
    except BodyTooLargeError:
        return decoder.body, True
