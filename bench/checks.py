#!/usr/bin/env python3
"""Link and resource checks over https: siteaudit's fetcher against bare aiohttp (make
bench-checks).

A site's images, scripts and external links are checked with HEAD requests, thousands on a
large site. This serves N small resources over TLS from 127.0.0.1 (a certificate for
`shop.test` from a private CA, trustme) and checks each once, eight at a time as the
per-host cap allows, with `HttpFetcher.check` (its SSRF vetting, slots, breaker and
deadlines) and with a bare aiohttp session doing nothing but HEAD on kept-alive
connections (the ceiling). It prints, per tool and as medians of the rounds, the wall
seconds, the checks a second, the connections the server accepted (each one a TCP and TLS
handshake, for the server as for us) and siteaudit's ratio to the bare client.

Usage: bench/checks.py [--checks N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import trustme

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from siteaudit.crawl.config import FetchConfig  # noqa: E402
from siteaudit.crawl.fetcher import HttpFetcher  # noqa: E402
from siteaudit.crawl.ssrf import AddressPolicy  # noqa: E402

HOST = "shop.test"
AT_ONCE = 8
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 2000\r\n\r\n"


class Server:
    """A keep-alive HTTPS server answering every request with a 2,000-byte image (its
    headers only for HEAD); counts the connections it accepts."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(ANSWER if head.startswith(b"HEAD") else ANSWER + bytes(2000))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


Check = Callable[[str], Awaitable[int | None]]


async def timed(server: Server, urls: list[str], check: Check) -> tuple[float, int]:
    """Seconds to check every URL, AT_ONCE at a time, and the connections it took."""
    server.connections = 0
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(url: str) -> int | None:
        async with gate:
            return await check(url)

    started = time.perf_counter()
    statuses = await asyncio.gather(*(one(url) for url in urls))
    seconds = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"a check failed: statuses {sorted(set(map(str, statuses)))}")
    return seconds, server.connections


async def run(checks: int, rounds: int) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    with tempfile.TemporaryDirectory() as folder:
        bundle = str(Path(folder) / "ca.pem")
        ca.cert_pem.write_to_path(bundle)
        async with Server(context) as server:
            base = f"https://{HOST}:{server.port}"
            urls = [f"{base}/images/{n}.png" for n in range(checks)]
            config = FetchConfig(
                ca_bundle=bundle, hosts=((HOST, "127.0.0.1"),), per_host_concurrency=AT_ONCE
            )
            bare_tls = ssl.create_default_context(cafile=bundle)
            results: dict[str, list[tuple[float, int]]] = {"siteaudit": [], "aiohttp": []}
            for _ in range(rounds):
                async with HttpFetcher(config, AddressPolicy.cli()) as fetcher:

                    async def ours(url: str) -> int | None:
                        return (await fetcher.check(url)).status

                    results["siteaudit"].append(await timed(server, urls, ours))
                connector = aiohttp.TCPConnector(ssl=bare_tls)
                async with aiohttp.ClientSession(connector=connector) as session:

                    async def bare(url: str) -> int | None:
                        pinned = url.replace(HOST, "127.0.0.1", 1)  # TLS still checks HOST
                        host = {"Host": f"{HOST}:{server.port}"}
                        async with session.head(
                            pinned, server_hostname=HOST, headers=host
                        ) as response:
                            return response.status

                    results["aiohttp"].append(await timed(server, urls, bare))
    print(f"{checks} HEAD checks over https, {AT_ONCE} at a time, median of {rounds}:")
    medians = {}
    for tool, runs in results.items():
        seconds = statistics.median(s for s, _ in runs)
        connections = statistics.median(c for _, c in runs)
        medians[tool] = seconds
        print(
            f"  {tool:<10} {seconds:6.2f} s  {checks / seconds:8.0f} checks/s"
            f"  {connections:6.0f} connections"
        )
    print(f"  siteaudit/aiohttp checks/s: {medians['aiohttp'] / medians['siteaudit']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.checks, arguments.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
