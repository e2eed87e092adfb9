"""robots.txt and sitemaps fetched from real local servers."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Iterator

import pytest
from aiohttp import web
from tests.integration.crawl.hostile import dead_port, loopback_only, web_server

from siteaudit.checks.catalogue import load_catalogue
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.robots import ROBOTS_MAX_BYTES, RobotsMode, fetch_robots
from siteaudit.crawl.sitemaps import SitemapLimits, fetch_sitemap_urls
from siteaudit.crawl.ssrf import AddressPolicy
from siteaudit.engines.preflight import follow_start, preflight
from siteaudit.model import ScanSpec
from siteaudit.model.site import Site

CONFIG = FetchConfig(total_timeout=10, backoff_base=0.01)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


@pytest.fixture(autouse=True)
def only_loopback() -> Iterator[list[object]]:
    with loopback_only() as attempts:
        yield attempts


def static_app(files: dict[str, tuple[int, bytes, dict[str, str]]]) -> web.Application:
    """Serve fixed (status, body, headers) per path; 404 elsewhere."""

    async def handler(request: web.Request) -> web.Response:
        status, body, headers = files.get(request.path, (404, b"not found", {}))
        return web.Response(status=status, body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


TEXT = {"Content-Type": "text/plain"}
XML = {"Content-Type": "application/xml"}


async def test_a_10_mb_robots_txt_is_capped_and_its_head_parsed() -> None:
    rules = b"User-agent: *\nDisallow: /secret\nSitemap: https://e.com/s.xml\n"
    body = rules + b"# padding padding padding padding\n" * (10 * 1024 * 1024 // 35)
    app = static_app({"/robots.txt": (200, body, TEXT)})
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        robots = await fetch_robots(fetcher, base + "/some/page")
    assert robots.mode is RobotsMode.PARSED
    assert robots.truncated
    assert not robots.allowed(base + "/secret/x", "siteaudit")
    assert robots.allowed(base + "/open", "siteaudit")
    assert robots.sitemaps == ("https://e.com/s.xml",)
    assert str(ROBOTS_MAX_BYTES) in robots.reason


async def test_a_robots_txt_answering_503_disallows_everything() -> None:
    app = static_app({"/robots.txt": (503, b"busy", TEXT)})
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        robots = await fetch_robots(fetcher, base)
    assert robots.mode is RobotsMode.DISALLOW_ALL
    assert robots.status == 503
    assert not robots.allowed(base + "/", "siteaudit")


async def test_a_missing_robots_txt_allows_everything() -> None:
    async with (
        web_server(static_app({})) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        robots = await fetch_robots(fetcher, base)
    assert robots.mode is RobotsMode.ALLOW_ALL
    assert robots.allowed(base + "/anything", "siteaudit")


async def test_a_redirected_robots_txt_is_followed() -> None:
    files = {
        "/robots.txt": (301, b"", {"Location": "/real-robots.txt"}),
        "/real-robots.txt": (200, b"User-agent: *\nDisallow: /x\n", TEXT),
    }
    async with (
        web_server(static_app(files)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        robots = await fetch_robots(fetcher, base)
    assert not robots.allowed(base + "/x", "siteaudit")


def urlset(base: str, paths: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f"<urlset {NS}>{entries}</urlset>".encode()


async def test_a_sitemap_index_with_a_gzip_sitemap_yields_every_url() -> None:
    files: dict[str, tuple[int, bytes, dict[str, str]]] = {}
    async with (
        web_server(static_app(files)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        index = (
            f"<sitemapindex {NS}>"
            f"<sitemap><loc>{base}/pages.xml.gz</loc></sitemap>"
            f"<sitemap><loc>{base}/posts.xml</loc></sitemap>"
            "</sitemapindex>"
        ).encode()
        files["/sitemap.xml"] = (200, index, XML)
        files["/pages.xml.gz"] = (200, gzip.compress(urlset(base, ["/a", "/b"])), {})
        files["/posts.xml"] = (
            200,
            gzip.compress(urlset(base, ["/c", "/a"])),
            {**XML, "Content-Encoding": "gzip"},
        )
        result = await fetch_sitemap_urls(fetcher, [base + "/sitemap.xml"], limit=100)
    assert result.urls == (base + "/a", base + "/b", base + "/c")
    assert result.errors == ()
    assert result.sitemaps == (base + "/sitemap.xml", base + "/pages.xml.gz", base + "/posts.xml")


async def test_a_billion_laughs_sitemap_is_an_error_entry_not_a_hang() -> None:
    lol = b'<!ENTITY l0 "lol">' + b"".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">'.encode() for i in range(1, 10)
    )
    body = b'<?xml version="1.0"?><!DOCTYPE urlset [' + lol + b"]><urlset " + NS.encode()
    body += b"><url><loc>&l9;</loc></url></urlset>"
    app = static_app({"/sitemap.xml": (200, body, XML)})
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        started = time.perf_counter()
        result = await fetch_sitemap_urls(fetcher, [base + "/sitemap.xml"], limit=100)
    assert time.perf_counter() - started < 2
    assert result.urls == ()
    assert len(result.errors) == 1
    assert "unsafe XML refused" in result.errors[0].message


async def test_sitemap_limits_bound_urls_and_nesting() -> None:
    files: dict[str, tuple[int, bytes, dict[str, str]]] = {}
    async with (
        web_server(static_app(files)) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        for depth in range(5):  # an index chain deeper than allowed
            child = f"<sitemap><loc>{base}/i{depth + 1}.xml</loc></sitemap>"
            files[f"/i{depth}.xml"] = (
                200,
                f"<sitemapindex {NS}>{child}</sitemapindex>".encode(),
                XML,
            )
        files["/big.xml"] = (200, urlset(base, [f"/p{i}" for i in range(50)]), XML)
        limits = SitemapLimits(max_depth=2, max_urls_per_file=30)
        deep = await fetch_sitemap_urls(fetcher, [base + "/i0.xml"], limit=100, limits=limits)
        big = await fetch_sitemap_urls(fetcher, [base + "/big.xml"], limit=10, limits=limits)
    assert len(deep.sitemaps) == 3
    assert "nested deeper than 2" in deep.errors[0].message
    assert len(big.urls) == 10
    assert any("URL limit 10" in e.message for e in big.errors)


async def test_no_sitemap_is_asked_for_past_the_time_limit() -> None:
    # An index of 40 sitemaps that each take 0.3 s: four at a time, 3 s for them all.
    async def slow(request: web.Request) -> web.Response:
        if request.path == "/index.xml":
            children = "".join(f"<sitemap><loc>{base}/s{n}.xml</loc></sitemap>" for n in range(40))
            return web.Response(body=f"<sitemapindex {NS}>{children}</sitemapindex>", headers=XML)
        await asyncio.sleep(0.3)
        return web.Response(body=urlset(base, [request.path + "-page"]), headers=XML)

    app = web.Application()
    app.router.add_get("/{tail:.*}", slow)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        limits = SitemapLimits(time_limit_s=0.5)
        result = await fetch_sitemap_urls(fetcher, [base + "/index.xml"], 10_000, limits)
    read = len(result.sitemaps) - 1  # the index
    assert 1 <= read < 40 and len(result.urls) == read
    assert result.errors[-1].message == f"{40 - read} sitemaps left unread (time limit of 0.5 s)"


async def test_an_unreachable_sitemap_is_an_error_entry() -> None:
    async with (
        web_server(static_app({})) as base,
        HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher,
    ):
        result = await fetch_sitemap_urls(fetcher, [base + "/sitemap.xml"], limit=10)
    assert result.urls == ()
    assert result.errors[0].message == "answered HTTP 404"


@pytest.mark.parametrize(
    ("robots", "sitemap_status", "recorded"),
    [
        (b"User-agent: *\nAllow: /\n", 404, []),  # looked for, not there: no sitemap
        (b"User-agent: *\nAllow: /\n", 410, []),
        (b"User-agent: *\nAllow: /\n", 500, [500]),  # there, but cannot be read
        (b"Sitemap: {base}/sitemap.xml\n", 404, [404]),  # declared, and missing: an error
    ],
    ids=["probed-404", "probed-410", "probed-500", "declared-404"],
)
async def test_a_sitemap_only_looked_for_and_absent_is_no_sitemap_not_a_broken_one(
    robots: bytes, sitemap_status: int, recorded: list[int]
) -> None:
    files: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/sitemap.xml": (sitemap_status, b"nothing here", TEXT)
    }
    async with web_server(static_app(files)) as base:
        files["/robots.txt"] = (200, robots.replace(b"{base}", base.encode()), TEXT)
        async with HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
            found = await preflight(fetcher, ScanSpec(base + "/"))
    assert [info.status for info in found.facts.sitemaps] == recorded
    assert found.counters["sitemap/errors"] == len(recorded)
    site = Site(start_url=base + "/", pages=(), facts=found.facts)
    failed = {
        item.id
        for item in load_catalogue().site_checks
        if item.id in {"sitemap-error", "sitemap-missing"}
        for _ in item.site_fn(site, item.context(start_url=base + "/"))  # type: ignore[misc]
    }
    assert failed == ({"sitemap-error"} if recorded else {"sitemap-missing"})


HOSTS = tuple((name, "127.0.0.1") for name in ("shop.test", "www.shop.test", "other.test"))


@pytest.mark.parametrize(
    ("start", "location", "subdomains", "expected"),
    [
        ("http://shop.test:{port}/", None, False, None),  # no redirect
        ("http://shop.test:{port}/", "/en/", False, None),  # the same origin
        ("http://shop.test:{port}/", "http://www.shop.test:{port}/", False, "moved"),
        ("http://www.shop.test:{port}/", "http://shop.test:{port}/", False, "moved"),
        ("http://shop.test:{port}/", "http://shop.test:{other}/", False, "moved"),  # a port
        ("http://shop.test:{port}/", "http://www.shop.test:{port}/", True, None),  # in scope
        ("http://shop.test:{port}/", "http://other.test:{port}/", False, "another site"),
        ("http://shop.test:{port}/", "http://www.shop.test:{dead}/", False, None),  # no answer
    ],
    ids=["none", "same-origin", "to-www", "to-parent", "port", "subdomains", "other", "dead"],
)
async def test_a_start_url_is_followed_to_where_it_leads_on_the_site(
    start: str, location: str | None, subdomains: bool, expected: str | None
) -> None:
    async def handler(request: web.Request) -> web.Response:
        if location is not None and request.path == "/" and request.host.startswith(asked):
            raise web.HTTPMovedPermanently(location.format(**ports))
        return web.Response(text="<title>t</title>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with web_server(app) as base, web_server(static_app({})) as second:
        ports = {"port": base.rsplit(":", 1)[1], "other": second.rsplit(":", 1)[1]}
        ports["dead"] = str(dead_port())
        asked = start.format(**ports).split("//")[1].rstrip("/")
        spec = ScanSpec(start.format(**ports), subdomains=subdomains)
        async with HttpFetcher(FetchConfig(hosts=HOSTS, retries=0), AddressPolicy.cli()) as f:
            found = await follow_start(f, spec)
    if expected is None:
        assert found is None
    elif expected == "moved":
        assert isinstance(found, ScanSpec) and location is not None
        assert (found.start_url, found.requested_url) == (location.format(**ports), spec.start_url)
    else:
        assert isinstance(found, str) and expected in found


async def test_a_sitemap_larger_than_the_shared_bound_is_fetched_again_on_its_own() -> None:
    # Four 50 MB sitemaps fetched at once, each parsed with a tree, took a scan to 792 MB.
    started: list[tuple[str, int]] = []  # (path, requests in flight when it started)
    in_flight = 0
    files: dict[str, bytes] = {}

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight
        in_flight += 1
        started.append((request.path, in_flight))
        try:
            await asyncio.sleep(0.05)  # long enough for a batch's requests to overlap
            return web.Response(body=files[request.path], headers=XML)
        finally:
            in_flight -= 1

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    async with web_server(app) as base, HttpFetcher(CONFIG, AddressPolicy.cli()) as fetcher:
        sizes = {"small1": 3, "large1": 3000, "small2": 3, "large2": 3000, "large3": 3000}
        for name, count in sizes.items():
            files[f"/{name}.xml"] = urlset(base, [f"/{name}/{n}" for n in range(count)])
        children = "".join(f"<sitemap><loc>{base}/{name}.xml</loc></sitemap>" for name in sizes)
        files["/index.xml"] = f"<sitemapindex {NS}>{children}</sitemapindex>".encode()
        limits = SitemapLimits(shared_bytes=64 * 1024)
        result = await fetch_sitemap_urls(fetcher, [base + "/index.xml"], 10_000, limits)
    assert len(result.urls) == sum(sizes.values())
    assert result.errors == ()
    assert set(result.sitemaps) == {base + "/index.xml", *(f"{base}/{n}.xml" for n in sizes)}
    requests = [path for path, _ in started]
    assert requests.count("/large1.xml") == requests.count("/large2.xml") == 2
    assert requests.count("/small1.xml") == requests.count("/small2.xml") == 1
    assert max(flight for path, flight in started[1:5]) == 4  # the first batch overlapped
    # Then each on its own: the two large ones again, and the next file (once: a site with
    # one large sitemap usually has more).
    assert started[5:] == [("/large1.xml", 1), ("/large2.xml", 1), ("/large3.xml", 1)]
