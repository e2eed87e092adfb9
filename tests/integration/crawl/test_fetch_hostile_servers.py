"""The fetcher against servers that trickle, bomb, never end, or do not speak HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import brotli
import pytest
from aiohttp import web
from tests.integration.crawl.hostile import (
    RawHandler,
    dead_port,
    endless_chunks,
    html_answer,
    loopback_only,
    raw_server,
    read_request,
    reset_on_close,
    ssh_banner,
    trickle,
    trickle_headers,
    web_server,
)

from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.ssrf import AddressPolicy

MIB = 1024 * 1024
FAST = FetchConfig(total_timeout=1.5, read_timeout=1.0, connect_timeout=1.0, backoff_base=0.01)


@pytest.fixture(autouse=True)
def only_loopback() -> Iterator[list[object]]:
    with loopback_only() as attempts:
        yield attempts


def gzip_bomb(mib: int = 1024) -> bytes:
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
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + repeated * (mib - 2) + last + trailer
    )


def brotli_bomb(mib: int = 1024) -> bytes:
    """`mib` MiB of zeros as brotli (a couple of KB)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(MIB)
    body = b"".join(compressor.process(zeros) for _ in range(mib)) + compressor.finish()
    return bytes(body)


async def test_a_trickling_body_times_out_within_the_total_deadline() -> None:
    async with raw_server(trickle) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        started = time.perf_counter()
        page = await fetcher.fetch(base + "/")
    elapsed = time.perf_counter() - started
    assert page.error_code == ErrorCode.TIMEOUT
    assert page.status == 200
    assert page.truncated
    assert FAST.total_timeout <= elapsed < FAST.total_timeout + 0.5


async def test_headers_trickled_a_byte_at_a_time_time_out_too() -> None:
    async with (
        raw_server(trickle_headers) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        started = time.perf_counter()
        page = await fetcher.fetch(base + "/")
    assert page.error_code == ErrorCode.TIMEOUT
    assert page.status is None
    assert time.perf_counter() - started < FAST.total_timeout + 0.5


def bomb_app(body: bytes, coding: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Content-Encoding": coding, "Content-Type": "text/html"}
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/", handler)
    return app


@pytest.mark.parametrize(("coding", "make_bomb"), [("gzip", gzip_bomb), ("br", brotli_bomb)])
async def test_a_compression_bomb_stops_at_the_cap_with_memory_bounded(
    coding: str, make_bomb: Callable[[], bytes]
) -> None:
    bomb = make_bomb()
    config = FetchConfig(max_body_bytes=10 * MIB, total_timeout=20)
    async with (
        web_server(bomb_app(bomb, coding)) as base,
        HttpFetcher(config, AddressPolicy.cli()) as fetcher,
    ):
        tracemalloc.start()
        try:
            page = await fetcher.fetch(base + "/")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert page.error_code == ErrorCode.TOO_LARGE
    assert page.truncated
    assert len(page.body) == 10 * MIB
    assert peak < 25 * MIB  # a gigabyte was on offer


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
async def test_a_large_compressed_page_is_read_whole(coding: str) -> None:
    # 1.3 MB of HTML in a few dozen KB: brotli pages kept their first ~98 KB only (the
    # decoder held the rest of the output of the last chunks), so their links and text
    # past that point were lost without a word.
    html = b"<html><body>" + b"".join(b"<p>paragraph %d</p>" % i for i in range(60_000))
    encode = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "br": lambda data: brotli.compress(data, quality=5),
    }[coding]
    async with (
        web_server(bomb_app(encode(html), coding)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/")
    assert page.error_code is None
    assert page.body == html


def body_after_head(delay_s: float, methods: list[bytes]) -> RawHandler:
    """A keep-alive server that sends its 5 KB body after a HEAD answer too (some do),
    `delay_s` after the head or in the same packet; it notes each request's method."""
    body = b"/* " + b"x" * 5000 + b" */"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not reader.at_eof():
            try:
                methods.append((await read_request(reader)).split(b" ", 1)[0])
            except asyncio.IncompleteReadError:
                return  # the client closed the connection
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: %d\r\n\r\n"
            writer.write(head % len(body))
            if delay_s:
                await writer.drain()
                await asyncio.sleep(delay_s)
            writer.write(body)
            await writer.drain()

    return handler


@pytest.mark.parametrize("delay_s", [0.0, 0.05], ids=["same-packet", "later"])
async def test_a_server_sending_a_body_after_head_answers_is_checked_right(delay_s: float) -> None:
    # The body was read as the answer to the next request on the connection: "not a valid
    # HTTP response", and the resource or link reported broken (the Python docs served so:
    # 3,168 false findings). An answer that is not HTTP on a reused connection is asked
    # again on a new one, and that host's HEADs go on new connections from then on; a HEAD
    # answered with something that is not HTTP is tried again with GET.
    methods: list[bytes] = []
    async with raw_server(body_after_head(delay_s, methods)) as base:
        async with HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
            # A page fetched on the connection after a HEAD: the first stray body's victim
            head = await fetcher.check(f"{base}/first.css")
            page = await fetcher.fetch(f"{base}/page", accept_any_type=True)
        assert (head.status, page.status, page.error_code) == (200, 200, None)
        assert page.body == b"/* " + b"x" * 5000 + b" */"
        if delay_s:  # the page's first answer began with the HEAD's body: asked again
            assert methods == [b"HEAD", b"GET", b"GET"]
        methods.clear()
        async with HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
            checked = [await fetcher.check(f"{base}/one-by-one-{n}.css") for n in range(5)]
            checked += await asyncio.gather(
                *(fetcher.check(f"{base}/at-once-{n}.css") for n in range(5))
            )
    assert [(page.status, page.error_code) for page in checked] == [(200, None)] * 10
    if delay_s:  # the body comes apart from the head: each HEAD is answered alone,
        # the second once more, on a new connection (the first HEAD's body came before it)
        assert methods == [b"HEAD"] * 11
    else:  # HEAD then GET a check, once the host is known (not a third try on a new one)
        assert len(methods) <= 2 * 10 + 2, methods


def counting_keep_alive(connections: list[int], methods: list[bytes]) -> RawHandler:
    """A well-behaved keep-alive server: each connection answers any number of requests
    (no body after a HEAD); it notes each connection and each request's method."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while not reader.at_eof():
            try:
                method = (await read_request(reader)).split(b" ", 1)[0]
            except asyncio.IncompleteReadError:
                return
            methods.append(method)
            body = b"/* css */"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\n")
            writer.write(b"Content-Length: %d\r\n\r\n" % len(body))
            if method != b"HEAD":
                writer.write(body)
            await writer.drain()

    return handler


async def test_checks_of_one_host_share_its_kept_alive_connections() -> None:
    # Every HEAD went on a connection of its own (a TCP and, on https, a TLS handshake
    # for each resource or link checked: thousands on a site with many images).
    connections: list[int] = []
    methods: list[bytes] = []
    config = FetchConfig(per_host_concurrency=4, total_timeout=5)
    async with (
        raw_server(counting_keep_alive(connections, methods)) as base,
        HttpFetcher(config, AddressPolicy.cli()) as fetcher,
    ):
        checked = [await fetcher.check(f"{base}/one-by-one-{n}.css") for n in range(20)]
        checked += await asyncio.gather(
            *(fetcher.check(f"{base}/at-once-{n}.css") for n in range(20))
        )
    assert [(page.status, page.error_code) for page in checked] == [(200, None)] * 40
    assert methods == [b"HEAD"] * 40
    assert len(connections) <= 4


def answers_once_per_connection(requests: list[bytes]) -> RawHandler:
    """A keep-alive server that answers a connection's first request and hangs up on the
    next without a word, as one does when its keep-alive timeout ends just as a request
    arrives; `/dropped` it hangs up on always. It notes each request line."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await read_request(reader)
        except asyncio.IncompleteReadError:
            return
        requests.append(line.split(b"\r\n", 1)[0])
        if b" /dropped " not in line:
            writer.write(html_answer(b"<title>kept</title>"))
            await writer.drain()
            with contextlib.suppress(asyncio.IncompleteReadError):
                requests.append((await read_request(reader)).split(b"\r\n", 1)[0])
        writer.close()

    return handler


async def test_a_request_the_server_hangs_up_on_is_sent_again_on_a_new_connection() -> None:
    # A server whose keep-alive timeout is shorter than the pause between two requests
    # closes the connection as the next request goes out. aiohttp sends it again once, on
    # the pool's next connection, as stale as the first: pages of such a site (served with
    # a 5 ms keep-alive) were reported "Server disconnected", a few a scan at random.
    requests: list[bytes] = []
    async with (
        raw_server(answers_once_per_connection(requests)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        first = await asyncio.gather(*(fetcher.fetch(f"{base}/first-{n}") for n in range(2)))
        later = await fetcher.fetch(f"{base}/later")  # both pooled connections are stale
        dropped = await fetcher.fetch(f"{base}/dropped")
    assert [(page.status, page.error_code) for page in [*first, later]] == [(200, None)] * 3
    assert later.body == b"<title>kept</title>"
    assert dropped.error_code == ErrorCode.PROTOCOL_ERROR
    assert dropped.error_message == "the server closed the connection without answering"
    # Dropped every time: a new connection's try at once, then the two retries after a
    # backoff, each on a new connection (aiohttp's own retry is off: with it, each of
    # our tries was two requests).
    assert requests.count(b"GET /dropped HTTP/1.1") == 4


def resets_some_urls(requests: list[bytes]) -> RawHandler:
    """A keep-alive server that resets the connection (RST) on a request for a URL under
    `/reset/`, as a firewall filtering some paths does, and on the first two requests for
    `/flaky`, as an overloaded server may; it answers every other request. It notes each
    request line."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                line = (await read_request(reader)).split(b"\r\n", 1)[0]
                requests.append(line)
                if b" /reset/" in line or (requests.count(line) <= 2 and b" /flaky " in line):
                    reset_on_close(writer)
                    break
                writer.write(html_answer(b"<title>ok</title>"))
                await writer.drain()
        writer.close()

    return handler


async def test_urls_the_server_resets_fail_alone_without_opening_the_circuit() -> None:
    # A reset after connecting is the server dropping that request, like a hang-up: it
    # was a connect failure, counted by the circuit breaker on every try, so a page's few
    # filtered links opened the circuit and the host's good pages were skipped as "failed
    # connections". Like a hang-up, it is still tried again (an overloaded server's).
    requests: list[bytes] = []
    async with (
        raw_server(resets_some_urls(requests)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        start = await fetcher.fetch(f"{base}/good/start")  # the host answers
        reset = await asyncio.gather(*(fetcher.fetch(f"{base}/reset/{n}") for n in range(8)))
        good = await asyncio.gather(*(fetcher.fetch(f"{base}/good/{n}") for n in range(4)))
        flaky = await fetcher.fetch(f"{base}/flaky")
    assert start.status == 200
    assert {(page.error_code, page.error_message) for page in reset} == {
        (
            ErrorCode.PROTOCOL_ERROR,
            "the connection was cut before an answer: Connection reset by peer",
        )
    }
    assert [(page.status, page.error_code) for page in good] == [(200, None)] * 4
    assert (flaky.status, flaky.error_code) == (200, None)
    # Each reset URL asked four times: a pooled connection, a new one at once, then two
    # more after a backoff; /flaky answered on its third try.
    assert sorted(requests) == sorted(
        [b"GET /reset/%d HTTP/1.1" % n for n in range(8)] * 4
        + [b"GET /good/%d HTTP/1.1" % n for n in range(4)]
        + [b"GET /good/start HTTP/1.1"]
        + [b"GET /flaky HTTP/1.1"] * 3
    )


async def test_a_host_that_cuts_every_connection_is_skipped_like_a_down_host() -> None:
    # A firewall resetting every connection from here (geo-blocking, a blocklist): a host
    # that never answered is down for us, and its circuit opens as for refused connections.
    requests: list[bytes] = []
    async with (
        raw_server(resets_some_urls(requests)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        pages = [await fetcher.fetch(f"{base}/reset/{n}") for n in range(4)]
    # Each try counts (as a refused connection's): the first URL's three, two of the
    # second's, and the circuit is open (the threshold is 5).
    assert [page.error_code for page in pages] == [ErrorCode.PROTOCOL_ERROR] + [
        ErrorCode.CIRCUIT_OPEN
    ] * 3
    assert "5 consecutive failures to connect or to get an answer" in (pages[1].error_message or "")
    assert len(requests) == 4 + 3  # its first try went on a pooled connection, then a new one


def cuts_the_body(*, chunked: bool, reset: bool) -> RawHandler:
    """A server that sends 5,000 bytes of a longer body (a Content-Length of 100,000, or
    an unfinished chunked encoding) and closes the connection, or resets it."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        if chunked:
            writer.write(b"Transfer-Encoding: chunked\r\n\r\n1388\r\n" + b"x" * 5000)
        else:
            writer.write(b"Content-Length: 100000\r\n\r\n" + b"x" * 5000)
        await writer.drain()
        await asyncio.sleep(0.05)
        if reset:
            reset_on_close(writer)
        writer.close()

    return handler


@pytest.mark.parametrize(
    ("chunked", "reset", "message"),
    [
        (False, False, "closed the connection after 5,000 of the 100,000 bytes its"),
        (True, True, "reset the connection before its chunked encoding ended"),
    ],
)
async def test_a_body_cut_short_is_said_in_words(chunked: bool, reset: bool, message: str) -> None:
    async with (
        raw_server(cuts_the_body(chunked=chunked, reset=reset)) as base,
        HttpFetcher(FAST, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(f"{base}/cut")
    assert (page.status, page.error_code) == (200, ErrorCode.PROTOCOL_ERROR)
    assert page.error_message is not None
    assert page.error_message.startswith(f"the body was cut short: the server {message}")
    assert page.body == b"x" * 5000  # what arrived is kept


async def test_an_endless_chunked_body_stops_at_the_cap() -> None:
    config = FetchConfig(max_body_bytes=2 * MIB, total_timeout=10)
    async with (
        raw_server(endless_chunks) as base,
        HttpFetcher(config, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/")
    assert page.error_code == ErrorCode.TOO_LARGE
    assert len(page.body) == 2 * MIB


async def test_an_ssh_banner_on_the_port_is_a_protocol_error() -> None:
    async with raw_server(ssh_banner) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert page.error_code == ErrorCode.PROTOCOL_ERROR
    assert page.status is None
    assert "SSH-2.0" in (page.error_message or "")


async def test_a_non_html_body_is_recorded_from_headers_without_being_read() -> None:
    async def huge_pdf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n")
        writer.write(b"Content-Length: 500000000\r\n\r\n%PDF-1.7")
        await writer.drain()
        await asyncio.sleep(30)  # reading the body would run into the deadline

    async with raw_server(huge_pdf) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        started = time.perf_counter()
        page = await fetcher.fetch(base + "/report.pdf")
    assert time.perf_counter() - started < 0.5
    assert (page.status, page.error_code, page.body) == (200, None, b"")
    assert page.content_type == "application/pdf"
    assert page.header("content-length") == "500000000"


async def test_a_dead_port_opens_the_circuit_breaker() -> None:
    config = FetchConfig(retries=0, circuit_breaker_threshold=3, connect_timeout=1)
    url = f"http://127.0.0.1:{dead_port()}/"
    async with HttpFetcher(config, AddressPolicy.cli()) as fetcher:
        codes = [(await fetcher.fetch(url)).error_code for _ in range(5)]
        started = time.perf_counter()
        skipped = await fetcher.fetch(url + "other")
    assert codes == [ErrorCode.CONNECT_FAILED] * 3 + [ErrorCode.CIRCUIT_OPEN] * 2
    assert skipped.error_code == ErrorCode.CIRCUIT_OPEN
    assert "3 consecutive" in (skipped.error_message or "")
    assert time.perf_counter() - started < 0.01


async def test_connect_failures_are_retried_before_giving_up(
    only_loopback: list[object],
) -> None:
    url = f"http://127.0.0.1:{dead_port()}/"
    async with HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.error_code == ErrorCode.CONNECT_FAILED
    assert len(only_loopback) == 1 + FAST.retries
    # In words, without "[Errno 111]", "ssl:default" or "Connect call failed (...)".
    port = url.rsplit(":", 1)[1].rstrip("/")
    assert page.error_message == f"could not connect to 127.0.0.1:{port}: Connection refused"


async def test_a_gzip_page_is_decoded_and_its_meta_charset_found() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    body = gzip.compress(html.encode("cp1251"))

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    app = web.Application()
    app.router.add_get("/", page)
    async with web_server(app) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        fetched = await fetcher.fetch(base + "/")
    assert fetched.error_code is None
    assert fetched.encoding == "cp1251"
    assert fetched.body.decode(fetched.encoding) == html
    assert fetched.ttfb_ms is not None and fetched.total_ms is not None
    assert 0 < fetched.ttfb_ms <= fetched.total_ms


@pytest.mark.parametrize(
    "codings", [["compress"], ["UTF-8"], ["gzip", "x-compress"]], ids=["compress", "utf-8", "two"]
)
async def test_a_content_encoding_browsers_do_not_know_leaves_the_body_as_it_came(
    codings: list[str],
) -> None:
    # As Chromium: the body as it came (every Content-Encoding header counts); such pages
    # were decoding-failed errors, and the check content-encoding-unknown reports them.
    body = b"<html><title>As it came</title>\x1f\x9d\x90"

    async def odd(request: web.Request) -> web.Response:
        response = web.Response(body=body, content_type="text/html")
        for coding in codings:
            response.headers.add("Content-Encoding", coding)
        return response

    app = web.Application()
    app.router.add_get("/", odd)
    async with web_server(app) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert (page.status, page.error_code, page.body) == (200, None, body)


async def test_a_gzip_page_padded_after_its_stream_is_read_whole() -> None:
    # A newline or NULs written after the compressed output (as browsers, ignored): the
    # page was a decoding-failed error.
    html = b"<html><head><title>Padded</title></head><body>" + b"<p>x</p>" * 500 + b"</body></html>"

    async def padded(request: web.Request) -> web.Response:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        return web.Response(body=gzip.compress(html) + bytes(8) + b"\n", headers=headers)

    app = web.Application()
    app.router.add_get("/", padded)
    async with web_server(app) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert (page.status, page.error_code, page.body) == (200, None, html)


def head_answer(fields: bytes) -> bytes:
    body = b"<title>Headers</title>"
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        + fields
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        # A long Content-Security-Policy or Link header, many Set-Cookie lines: read, as
        # browsers read them (aiohttp's 8,190 bytes and 128 headers made them protocol errors).
        (b"Content-Security-Policy: " + b"a" * 12_000 + b"\r\n", None),
        (b"".join(b"Set-Cookie: c%d=1\r\n" % n for n in range(200)), None),
        # Past the bounds that keep a head's memory small, said in words.
        (b"X-Big: " + b"b" * 20_000 + b"\r\n", "a header over 16 KiB"),
        (b"".join(b"X-H%d: v\r\n" % n for n in range(300)), "more than 256 response headers"),
    ],
    ids=["csp-12k", "cookies-200", "header-20k", "headers-300"],
)
async def test_large_heads_are_read_within_bounds(fields: bytes, problem: str | None) -> None:
    answer = head_answer(fields)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async with raw_server(serve) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    if problem is None:
        assert (page.status, page.error_code, page.body) == (200, None, b"<title>Headers</title>")
    else:
        assert (page.status, page.error_code) == (None, ErrorCode.PROTOCOL_ERROR)
        assert problem in (page.error_message or "")


async def test_an_endless_head_is_cut_with_its_memory_bounded() -> None:
    # Headers of 16 KB each, without end: refused at the 257th (aiohttp bounds each header
    # and their number, not their total).
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Pad: " + b"p" * 16_000 + b"\r\n"
        while True:
            writer.write(line)
            await writer.drain()

    tracemalloc.start()
    try:
        async with raw_server(serve) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
            page = await fetcher.fetch(base + "/")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (page.status, page.error_code) == (None, ErrorCode.PROTOCOL_ERROR)
    assert "more than 256 response headers" in (page.error_message or "")
    assert peak < 16 * 1024 * 1024, peak
