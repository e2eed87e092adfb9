"""Test servers on 127.0.0.1: well-behaved aiohttp apps and raw sockets that misbehave.

Everything binds 127.0.0.1 on a free port; nothing here ever talks to another address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from aiohttp import web
from tests.support.sockets import no_linger

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LOOPBACK = "127.0.0.1"


@asynccontextmanager
async def web_server(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1; yields the base URL (no trailing slash)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = _bound_socket()
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def raw_server(handler: RawHandler) -> AsyncIterator[str]:
    """Serve `handler` on a raw TCP socket of 127.0.0.1; yields the base URL."""
    tasks: set[asyncio.Task[None]] = set()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(guarded, sock=_bound_socket())
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def dead_port() -> int:
    """A port on 127.0.0.1 nobody listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _bound_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    return sock


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request head (up to the blank line)."""
    return await reader.readuntil(b"\r\n\r\n")


def html_answer(body: bytes) -> bytes:
    """A 200 answer of `body` as HTML, framed by its Content-Length (kept alive)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
    return head % len(body) + body


def reset_on_close(writer: asyncio.StreamWriter) -> None:
    """Make closing `writer` reset the connection (an RST, no linger) instead of a FIN."""
    no_linger(writer.get_extra_info("socket"))


async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send valid headers, then one body byte every 0.3 s, forever."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.3)


async def trickle_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send the status line one byte every 0.3 s, so no header block ever completes."""
    await read_request(reader)
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.3)


async def endless_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A chunked HTML body that never ends (64 KiB chunks, as fast as the client reads)."""
    await read_request(reader)
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"<p>" + b"a" * 65_530 + b"</p>"
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    while True:
        writer.write(frame)
        await writer.drain()


async def ssh_banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer like an SSH server: a banner line that is not HTTP."""
    writer.write(b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n")
    await writer.drain()
    await reader.read(65536)


class OffLoopbackConnectError(ConnectionRefusedError):
    """A test tried to open a connection outside 127.0.0.1 / ::1."""


@contextmanager
def loopback_only() -> Iterator[list[object]]:
    """Refuse (and record) every socket connect to an address other than loopback.

    Tests must never send traffic off the machine; this makes a leak fail loudly, and the
    recorded list lets a test prove that a blocked URL caused no connection attempt at all.
    """
    attempts: list[object] = []
    original = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> None:
        if sock.family == socket.AF_UNIX:  # local by definition: worker processes' pipes
            original(sock, address)  # type: ignore[arg-type]
            return
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else address
        if host not in {LOOPBACK, "::1"}:
            raise OffLoopbackConnectError(f"test tried to connect to {address!r}")
        original(sock, address)  # type: ignore[arg-type]

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
