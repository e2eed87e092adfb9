"""Redirects followed hop by hop, every hop re-vetted; retries; SSRF blocks with no traffic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from aiohttp import web
from tests.integration.crawl.hostile import loopback_only, raw_server, read_request, web_server

from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.ssrf import AddressPolicy

CONFIG = FetchConfig(total_timeout=5, backoff_base=0.01, max_redirects=5)


@pytest.fixture(autouse=True)
def only_loopback() -> Iterator[list[object]]:
    with loopback_only() as attempts:
        yield attempts


def redirect_app(
    routes: dict[str, tuple[int, str]], hits: list[str] | None = None
) -> web.Application:
    """Each path redirects as `routes` says; any other path is a small HTML page."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if hits is not None:
            hits.append(request.path)
        if request.path in routes:
            status, location = routes[request.path]
            return web.Response(status=status, headers={"Location": location})
        return web.Response(text="<html><title>ok</title></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


async def test_a_redirect_chain_is_recorded_hop_by_hop() -> None:
    routes = {"/a": (301, "/b"), "/b": (302, "c"), "/c": (308, "/final?x=1")}
    async with (
        web_server(redirect_app(routes)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/a")
    assert page.status == 200
    assert page.url == base + "/a"
    assert page.final_url == base + "/final?x=1"
    assert [(h.url, h.status, h.location) for h in page.redirects] == [
        (base + "/a", 301, base + "/b"),
        (base + "/b", 302, base + "/c"),
        (base + "/c", 308, base + "/final?x=1"),
    ]
    assert b"<title>ok</title>" in page.body


async def test_a_redirect_loop_is_detected() -> None:
    routes = {"/a": (302, "/b"), "/b": (302, "/a")}
    async with (
        web_server(redirect_app(routes)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/a")
    assert page.error_code == ErrorCode.REDIRECT_LOOP
    assert len(page.redirects) == 2
    assert "cookie" not in (page.error_message or "")


async def test_a_loop_that_a_cookie_would_end_says_so() -> None:
    # A "cookie check": without its cookie the page redirects to itself, setting it. A
    # browser sends it back and gets the page; a stateless crawler (search engines', this
    # one) loops, and the user, whose browser shows the page, is told why.
    async def handler(request: web.Request) -> web.StreamResponse:
        if "seen" in request.cookies:
            return web.Response(text="<title>ok</title>", content_type="text/html")
        return web.Response(status=302, headers={"Location": "/", "Set-Cookie": "seen=1"})

    app = web.Application()
    app.router.add_get("/", handler)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert page.error_code == ErrorCode.REDIRECT_LOOP
    assert "sets a cookie" in (page.error_message or "")
    assert "search engines" in (page.error_message or "")


async def test_too_many_redirects_stop_at_the_limit() -> None:
    routes = {f"/{i}": (302, f"/{i + 1}") for i in range(20)}
    async with (
        web_server(redirect_app(routes)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/0")
    assert page.error_code == ErrorCode.TOO_MANY_REDIRECTS
    assert len(page.redirects) == CONFIG.max_redirects + 1


@pytest.mark.parametrize("location", ["", "javascript:alert(1)", "ftp://example.com/x"])
async def test_a_redirect_to_nowhere_usable_is_invalid(location: str) -> None:
    routes = {"/a": (302, location)}
    async with (
        web_server(redirect_app(routes)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        page = await fetcher.fetch(base + "/a")
    assert page.error_code == ErrorCode.REDIRECT_INVALID
    assert page.status == 302


@pytest.mark.parametrize(
    ("locations", "followed"),
    [(["/b", "/c"], False), (["/b", "/b"], True), (["/b", " /b"], True)],
    ids=["different", "repeated", "repeated-with-space"],
)
async def test_a_redirect_with_two_different_locations_is_refused_as_browsers_refuse_it(
    locations: list[str], followed: bool
) -> None:
    # Chromium (ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION) and Firefox follow neither: it was
    # followed to the first, a redirect broken for every visitor shown as working.
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path != "/a":
            return web.Response(text="<title>ok</title>", content_type="text/html")
        response = web.Response(status=301)
        for location in locations:
            response.headers.add("Location", location)
        return response

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/a")
    if followed:
        assert (page.status, page.final_url, page.error_code) == (200, base + "/b", None)
    else:
        assert page.error_code == ErrorCode.REDIRECT_INVALID
        assert page.status == 301
        assert "'/b' and '/c'" in (page.error_message or "")
        assert "browsers refuse" in (page.error_message or "")
        assert [hop.status for hop in page.redirects] == [301]


async def test_a_location_in_raw_bytes_is_followed_as_browsers_follow_it() -> None:
    # Servers with Latin-1 file names send the bytes as they are ("caf\xe9"), others UTF-8:
    # Firefox and curl request such bytes percent-encoded as they came, which reaches the
    # file the server meant; UTF-8 is read as UTF-8.
    requested: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            target = (await read_request(reader)).split(b" ", 2)[1]
            requested.append(target)
            if target == b"/start":
                head = b"HTTP/1.1 301 Moved\r\nLocation: /caf\xc3\xa9/\xe9t\xe9\r\n"
                writer.write(head + b"Content-Length: 0\r\n\r\n")
            else:
                body = b"<html><title>ok</title></html>"
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 30\r\n"
                writer.write(head + b"\r\n" + body)
            await writer.drain()

    async with raw_server(handler) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/start")
    assert (page.status, page.error_code) == (200, None)
    assert page.final_url == base + "/caf%C3%A9/%E9t%E9"
    assert requested == [b"/start", b"/caf%C3%A9/%E9t%E9"]


@pytest.mark.parametrize(
    ("target", "range_name"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud-metadata"),
        ("http://10.0.0.1/admin", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0xA9FEA9FE/", "cloud-metadata"),
    ],
)
async def test_a_redirect_into_a_blocked_range_is_refused_without_any_connection(
    target: str, range_name: str, only_loopback: list[object]
) -> None:
    # The CLI policy opens loopback (the test server) but never link-local or metadata;
    # under the service policy 10.0.0.1 is blocked too.
    policy = AddressPolicy.cli() if range_name != "private" else AddressPolicy(allow_loopback=True)
    async with (
        web_server(redirect_app({"/go": (302, target)})) as base,
        HttpFetcher(CONFIG, policy) as fetcher,
    ):
        page = await fetcher.fetch(base + "/go")
    assert page.error_code == ErrorCode.SSRF_BLOCKED
    assert range_name in (page.error_message or "")
    assert page.status is None
    assert [hop.location for hop in page.redirects] == [page.final_url]
    assert all(address[0] == "127.0.0.1" for address in only_loopback)  # type: ignore[index]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://017700000001/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://0/",
        "http://localhost/",
    ],
)
async def test_the_service_policy_blocks_every_form_of_loopback_without_traffic(
    url: str, only_loopback: list[object]
) -> None:
    async with HttpFetcher(CONFIG, AddressPolicy.service()) as fetcher:
        page = await fetcher.fetch(url)
    assert page.error_code == ErrorCode.SSRF_BLOCKED, page.error_message
    assert only_loopback == []


async def test_an_unparseable_url_is_invalid_not_an_exception() -> None:
    async with HttpFetcher(CONFIG, AddressPolicy.service()) as fetcher:
        pages = [await fetcher.fetch(u) for u in ["ftp://x/", "http://", "http://1.1.1.1.1/"]]
    assert [p.error_code for p in pages] == [ErrorCode.INVALID_URL] * 3


async def test_a_503_with_retry_after_is_retried_after_the_asked_delay() -> None:
    hits: list[float] = []

    async def flaky(request: web.Request) -> web.Response:
        hits.append(time.perf_counter())
        if len(hits) == 1:
            return web.Response(status=503, headers={"Retry-After": "1"})
        return web.Response(text="<p>back</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", flaky)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert page.status == 200
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 0.95


async def test_a_503_that_persists_is_returned_after_the_retries() -> None:
    hits: list[str] = []

    async def down(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(status=503, text="maintenance")

    app = web.Application()
    app.router.add_get("/", down)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/")
    assert (page.status, page.error_code) == (503, None)
    assert len(hits) == 1 + CONFIG.retries


@pytest.mark.parametrize("refusal", [429, 503])
async def test_a_host_limiting_its_rate_gets_more_tries_once_a_refused_url_answered(
    refusal: int,
) -> None:
    # A rate-limited host (nginx's limit_req answers 503) refuses a share of the requests
    # whatever their URL: with the usual budget a page could run out of tries, and a page
    # every page links to ended "503" (the Python docs at 20 requests a second: 525 false
    # broken links). Once a refused URL has answered, refusals there get more tries.
    refusals = {"/first": 1, "/second": CONFIG.retries + 2}  # /second: more than the budget
    hits: list[str] = []

    async def limited(request: web.Request) -> web.Response:
        hits.append(request.path)
        if hits.count(request.path) <= refusals.get(request.path, 0):
            return web.Response(status=refusal, text="slow down")
        return web.Response(text="<p>here</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{page}", limited)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        before = await fetcher.fetch(base + "/down")  # refused never: no lesson yet
        first = await fetcher.fetch(base + "/first")
        second = await fetcher.fetch(base + "/second")
    assert (before.status, first.status, second.status) == (200, 200, 200)
    assert hits.count("/second") == CONFIG.retries + 3


async def test_refused_urls_of_a_host_that_never_answers_them_keep_the_usual_budget() -> None:
    # An application down behind a healthy server: its pages answer 503 for good, and each
    # ends after the usual tries, not the rate-limited host's.
    hits: list[str] = []

    async def half_down(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path.startswith("/app/"):
            return web.Response(status=503, text="maintenance")
        return web.Response(text="<p>fine</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", half_down)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        pages = [await fetcher.fetch(f"{base}/{path}") for path in ("app/1", "ok", "app/2")]
    assert [page.status for page in pages] == [503, 200, 503]
    assert hits.count("/app/1") == hits.count("/app/2") == 1 + CONFIG.retries


async def test_a_404_is_not_retried() -> None:
    hits: list[str] = []

    async def missing(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(status=404, text="<p>gone</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/missing", missing)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        page = await fetcher.fetch(base + "/missing")
    assert (page.status, page.body) == (404, b"<p>gone</p>")
    assert len(hits) == 1
