"""The fetcher against servers whose answers break HTTP/1.1's header rules as browsers forgive
(crawl/lenient.py): a repeated Content-Length, Content-Length beside chunked encoding, a
header name that is not a token. Each is read as a browser reads it, within every bound."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import aiohttp
import pytest
from tests.integration.crawl.hostile import loopback_only, raw_server, read_request

from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.lenient import make_forgiving
from siteaudit.crawl.ssrf import AddressPolicy

FAST = FetchConfig(total_timeout=3, read_timeout=2, connect_timeout=1, backoff_base=0.01)
BODY = b"<html><title>t</title><p>hello</p></html>"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
LENGTH = b"Content-Length: %d\r\n" % len(BODY)


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


HEADS = {
    "repeated-length": OK + LENGTH + LENGTH + b"\r\n" + BODY,
    "listed-length": OK + b"Content-Length: %d, %d\r\n\r\n" % (len(BODY), len(BODY)) + BODY,
    # Content-Length says 9999: the chunked framing governs, so the body is read whole.
    "length-and-chunked": OK
    + b"Content-Length: 9999\r\nTransfer-Encoding: chunked\r\n\r\n"
    + chunked(BODY),
    "space-in-name": OK + b"X Powered By: PHP\r\n" + LENGTH + b"\r\n" + BODY,
    "space-before-colon": b"HTTP/1.1 200 OK\r\nContent-Type : text/html\r\n"
    + LENGTH
    + b"\r\n"
    + BODY,
    # Status lines Chromium and Firefox read: "HTTP" in any case, spaces skipped, a
    # version without its minor digit read as 1.0 (framed here by closing, as 1.0 may be).
    "lower-case-http": b"http/1.1 200 OK\r\nContent-Type: text/html\r\n" + LENGTH + b"\r\n" + BODY,
    "spaces-in-status": b"HTTP/1.1  200  OK\r\nContent-Type: text/html\r\n\r\n" + BODY,
    "version-2": b"HTTP/2 200\r\nContent-Type: text/html\r\n\r\n" + BODY,
}


@pytest.fixture(autouse=True)
def only_loopback() -> Iterator[list[object]]:
    with loopback_only() as attempts:
        yield attempts


def serving(
    answers: dict[str, bytes], connections: list[str]
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """A raw server answering each request with `answers[path]` and closing; each
    connection's request path is logged in `connections`."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        path = request.split(b" ")[1].decode().lstrip("/")
        connections.append(path)
        writer.write(answers[path])
        await writer.drain()
        writer.close()  # (an answer without a Content-Length ends here)

    return handler


@pytest.mark.parametrize("name", sorted(HEADS))
async def test_a_head_browsers_forgive_is_read_as_they_read_it(name: str) -> None:
    connections: list[str] = []
    async with (
        raw_server(serving(HEADS, connections)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(f"{base}/{name}")
    assert (page.status, page.error_code, page.body) == (200, None, BODY)
    assert page.header("content-type") == "text/html"
    assert fetcher.malformed == 1
    # Strictly on the pool's connection, on a new one (a stray body's remedy), then read
    # forgivingly on a third.
    assert connections == [name] * 3


async def test_the_origin_is_remembered_and_its_answers_counted() -> None:
    connections: list[str] = []
    answers = {f"p{n}": HEADS["repeated-length"] for n in range(3)}
    async with (
        raw_server(serving(answers, connections)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        pages = [await fetcher.fetch(f"{base}/{path}") for path in answers]
        head = await fetcher.check(f"{base}/p0")
    assert [page.status for page in pages] == [200, 200, 200]
    assert head.status == 200
    # After the first, each goes straight to the forgiving reader: one connection each.
    assert connections == ["p0", "p0", "p0", "p1", "p2", "p0"]
    assert fetcher.malformed == 4


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (OK + LENGTH + b"Content-Length: 3\r\n\r\n" + BODY, "Content-Length values that disagree"),
        (OK + b"Content-Length: -5\r\n\r\n" + BODY, "Content-Length"),
        (OK + b"X-A: a\x00b\r\n" + LENGTH + b"\r\n" + BODY, "Invalid HTTP header"),
        (b"SSH-2.0-OpenSSH_9.2\r\n", "Bad status line"),
        (b"HTTP/1.1 2000 OK\r\n" + LENGTH + b"\r\n" + BODY, "Bad status line"),
        (b"ICY 200 OK\r\n" + LENGTH + b"\r\n" + BODY, "Bad status line"),
    ],
    ids=["lengths-disagree", "negative-length", "nul", "banner", "four-digits", "icy"],
)
async def test_what_browsers_do_not_forgive_stays_a_protocol_error(
    answer: bytes, words: str
) -> None:
    connections: list[str] = []
    async with (
        raw_server(serving({"x": answer}, connections)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(f"{base}/x")
    assert (page.status, page.error_code) == (None, ErrorCode.PROTOCOL_ERROR)
    assert words in (page.error_message or "")
    assert fetcher.malformed == 0


async def test_a_forgiven_body_is_still_capped() -> None:
    """An endless chunked body beside a Content-Length: read forgivingly, and cut at the cap."""

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK + b"Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = chunked(b"a" * 65_536)[: -len(b"0\r\n\r\n")]
        while True:
            writer.write(chunk)
            await writer.drain()

    config = FetchConfig(max_body_bytes=1024 * 1024, total_timeout=10)
    async with raw_server(endless) as base, HttpFetcher(config, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(f"{base}/")
    assert (page.status, page.error_code) == (200, ErrorCode.TOO_LARGE)
    assert len(page.body) == 1024 * 1024


async def test_an_aiohttp_that_builds_connections_otherwise_is_left_strict() -> None:
    connector = aiohttp.TCPConnector()
    try:
        assert make_forgiving(connector)  # this aiohttp: a partial of ResponseHandler
        connector._factory = lambda: None  # type: ignore[assignment]
        assert not make_forgiving(connector)
    finally:
        await connector.close()
