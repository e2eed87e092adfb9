"""Large bodies are read a few at a time under a `BodyGate`, and waiting costs no deadline.

A real aiohttp server on 127.0.0.1 serves the bodies; the fetcher reads them as the local
engine's tasks do (crawl/bodies.py).
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from collections.abc import Iterator

import pytest
from aiohttp import web
from tests.integration.crawl.hostile import loopback_only, web_server

from siteaudit.crawl.bodies import (
    LARGE_BODY_BYTES,
    BodyDeferredError,
    BodyGate,
    gate_large_bodies,
)
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.ssrf import AddressPolicy

LARGE = b"<p>" + b"x" * (3 * LARGE_BODY_BYTES) + b"</p>"
PROSE = b"<p>" + b"a few words of prose. " * (6 * LARGE_BODY_BYTES // 22) + b"</p>"
PROSE_GZIP = gzip.compress(PROSE)  # 6 MiB in ~30 KB: one network chunk inflates to all of it
SMALL = b"<p>small</p>"
# Deadlines far shorter than the waits below: a wait that counted against them would fail.
FAST = FetchConfig(
    total_timeout=1.0, read_timeout=0.5, connect_timeout=1.0, max_body_bytes=8 * LARGE_BODY_BYTES
)


@pytest.fixture(autouse=True)
def only_loopback() -> Iterator[list[object]]:
    with loopback_only() as attempts:
        yield attempts


def app() -> web.Application:
    async def large(_request: web.Request) -> web.Response:
        return web.Response(body=LARGE, content_type="text/html")

    async def small(_request: web.Request) -> web.Response:
        return web.Response(body=SMALL, content_type="text/html")

    async def chunked(request: web.Request) -> web.StreamResponse:
        # No Content-Length: the body is known large only once 1 MiB of it was read.
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(LARGE), 256 * 1024):
            await response.write(LARGE[start : start + 256 * 1024])
        await response.write_eof()
        return response

    async def gzipped(request: web.Request) -> web.Response:
        unsized = request.query.get("chunked") == "1"  # a server that does not say the size
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        response = web.StreamResponse(headers=headers)
        if unsized:
            response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(PROSE_GZIP)
        await response.write_eof()
        return response

    application = web.Application()
    application.router.add_get("/gzip/{n}", gzipped)
    application.router.add_get("/large/{n}", large)
    application.router.add_get("/chunked/{n}", chunked)
    application.router.add_get("/small/{n}", small)
    return application


@pytest.mark.parametrize("kind", ["large", "chunked"])
async def test_large_bodies_are_held_at_most_as_many_as_the_gate_has_permits(kind: str) -> None:
    gate = BodyGate(2)
    peak = 0
    sizes: list[int] = []

    async def fetch_and_process(fetcher: HttpFetcher, url: str) -> None:
        nonlocal peak
        page = await fetcher.fetch(url)
        peak = max(peak, gate.held)
        await asyncio.sleep(0.3)  # processing, the body still held
        sizes.append(len(page.body))
        gate.release()

    async with web_server(app()) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        with gate_large_bodies(gate):
            tasks = [
                asyncio.create_task(fetch_and_process(fetcher, f"{base}/{kind}/{n}"))
                for n in range(6)
            ]
        await asyncio.gather(*tasks)
    assert peak == 2
    assert sizes == [len(LARGE)] * 6  # every body whole: waiting cost no deadline
    assert gate.held == 0


async def test_small_bodies_never_wait_for_a_permit() -> None:
    gate = BodyGate(1)

    async def hold_the_permit() -> None:
        await gate.admit()
        await asyncio.sleep(10)

    async with web_server(app()) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        holder = asyncio.create_task(hold_the_permit())
        await asyncio.sleep(0)
        with gate_large_bodies(gate):
            pages = await asyncio.wait_for(
                asyncio.gather(*(fetcher.fetch(f"{base}/small/{n}") for n in range(5))), 2
            )
        holder.cancel()
    assert [page.body for page in pages] == [SMALL] * 5


@pytest.mark.parametrize("kind", ["large", "chunked"])
async def test_a_wait_longer_than_the_deadlines_does_not_fail_the_page(kind: str) -> None:
    gate = BodyGate(1)
    order: list[str] = []

    async def hold_then_release() -> None:
        await gate.admit()
        await asyncio.sleep(2.5)  # longer than the total deadline and the read timeout
        order.append("released")
        gate.release()

    async def fetch(fetcher: HttpFetcher, url: str) -> int:
        page = await fetcher.fetch(url)
        order.append("read")
        assert page.error_code is None, page.error_message
        gate.release()
        return len(page.body)

    async with web_server(app()) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        holder = asyncio.create_task(hold_then_release())
        await asyncio.sleep(0)
        with gate_large_bodies(gate):
            reader = asyncio.create_task(fetch(fetcher, f"{base}/{kind}/1"))
        size = await reader
        await holder
    assert size == len(LARGE)
    assert order == ["released", "read"]


async def test_a_task_holds_one_permit_and_gives_it_back_once() -> None:
    gate = BodyGate(2)
    await gate.admit()
    await gate.admit()  # the same task: still one
    assert gate.held == 1
    gate.release()
    gate.release()  # holds none now: nothing happens
    assert gate.held == 0
    await asyncio.wait_for(asyncio.gather(gate.admit(), gate.admit()), 1)  # two tasks, two
    assert gate.held == 2


@pytest.mark.parametrize("kind", ["large", "chunked"])
async def test_a_gate_that_does_not_wait_refuses_the_large_bodies_past_its_permits(
    kind: str,
) -> None:
    # A Celery fetch task holds every body until its batch is fetched: a permit never comes
    # free, so the bodies past its share are refused rather than waited for.
    gate = BodyGate(2, wait=False)

    async def fetch(fetcher: HttpFetcher, url: str) -> int | str:
        try:
            page = await fetcher.fetch(url)
        except BodyDeferredError:
            return "deferred"
        assert page.error_code is None, page.error_message
        return len(page.body)

    async with web_server(app()) as base, HttpFetcher(FAST, AddressPolicy.cli()) as fetcher:
        with gate_large_bodies(gate):
            tasks = [asyncio.create_task(fetch(fetcher, f"{base}/{kind}/{n}")) for n in range(5)]
            small = [asyncio.create_task(fetch(fetcher, f"{base}/small/{n}")) for n in range(5)]
        outcomes = await asyncio.wait_for(asyncio.gather(*tasks), 5)
        small_sizes = await asyncio.gather(*small)
        # The fetcher is fine for what comes next: nothing was counted against the host.
        after = await fetcher.fetch(f"{base}/small/after")
    assert sorted(outcomes, key=str) == [len(LARGE)] * 2 + ["deferred"] * 3
    assert gate.held == 2  # held until the batch is done (the gate goes with it)
    assert small_sizes == [len(SMALL)] * 5
    assert after.body == SMALL


async def test_compressed_bodies_waiting_for_a_permit_hold_no_more_than_a_mebibyte_each() -> None:
    # One small chunk of gzip inflates to the whole page: measured without the permit, it
    # was held whole while it waited (16 requests of 8 MB pages: 92 MiB of waiting bodies).
    gate = BodyGate(1)
    waiting = 6
    config = FetchConfig(total_timeout=5.0, read_timeout=2.0, max_body_bytes=8 * LARGE_BODY_BYTES)

    async def fetch_and_process(fetcher: HttpFetcher, url: str) -> tuple[str | None, bytes]:
        page = await fetcher.fetch(url)
        gate.release()
        return page.error_code, page.body

    async with web_server(app()) as base, HttpFetcher(config, AddressPolicy.cli()) as fetcher:
        await gate.admit()  # held by this task: every fetch below waits
        tracemalloc.start()
        try:
            with gate_large_bodies(gate):
                tasks = [
                    asyncio.create_task(
                        fetch_and_process(fetcher, f"{base}/gzip/{n}?chunked={n % 2}")
                    )
                    for n in range(waiting)
                ]
            await asyncio.sleep(1.0)  # every response read up to its wait
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert not any(task.done() for task in tasks)
        gate.release()
        pages = await asyncio.wait_for(asyncio.gather(*tasks), 20)
    assert held < waiting * (LARGE_BODY_BYTES + LARGE_BODY_BYTES // 2)  # 6 x 6 MiB before
    assert pages == [(None, PROSE)] * waiting  # decoded again, whole
