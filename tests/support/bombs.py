"""Small payloads that expand enormously: compression bombs and an XML entity bomb."""

from __future__ import annotations

import struct
import zlib

import brotli

MIB = 1024 * 1024


def gzip_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros as one valid gzip member of about 1 KB per MiB."""
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(zeros) + deflate.flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + first + repeated * (mib - 2) + last + trailer


def brotli_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros as brotli (a few hundred bytes to a few KB)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(MIB)
    body = b"".join(compressor.process(zeros) for _ in range(mib)) + compressor.finish()
    return bytes(body)


def billion_laughs(levels: int = 10) -> bytes:
    """A sitemap whose one <loc> expands to 10**levels copies of "lol" if entities expand."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n'
        + "\n".join(entities)
        + '\n]>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + f"<url><loc>http://127.0.0.1/&lol{levels - 1};</loc></url></urlset>\n"
    ).encode()
