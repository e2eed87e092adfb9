"""The planted site (or a directory of pages) served differently: another content coding,
chunked bodies, no keep-alive, latency, a kept-alive connection closed early, a body
sent after each HEAD answer (a server bug some have), or now and then a request dropped
(the connection closed or reset instead of an answer, as an overloaded server does).

A scan of the site must not depend on how it is served: each of these once changed an
audit (brotli pages lost their end, HEAD bodies broke the next answer on the connection,
out-of-order answers left pages a click too deep). The server speaks HTTP/1.1 itself, on
a socket of 127.0.0.1, so that it can do what a well-behaved framework would not.
"""

from __future__ import annotations

import gzip
import mimetypes
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from socketserver import StreamRequestHandler, ThreadingTCPServer
from typing import Any, Protocol
from urllib.parse import unquote

import brotli
import zstandard

from tests.support.planted import PlantedSite
from tests.support.sockets import no_linger

ENCODE: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "br": lambda data: brotli.compress(data, quality=5),
    # A compressor per call: one shared by the server's threads crashed the process.
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}
CHUNK = 700  # bytes a chunked body is written in


@dataclass(frozen=True)
class Serving:
    """How the site is served."""

    coding: str = "gzip"
    chunked: bool = False
    keep_alive: bool = True
    latency_ms: int = 0  # each answer waits up to this long (seeded by its path)
    head_body: bool = False  # a HEAD answer is followed by the body anyway
    # Requests a second past which the server refuses (nginx's limit_req, a CDN's rate
    # limit): with `refusal` (429 or 503), and a Retry-After of `retry_after` s if any.
    rate_limit: int = 0
    refusal: int = 429
    retry_after: int | None = None
    answers_per_connection: int = 0  # closed, unannounced, after this many answers (0: never)
    idle_close_ms: int = 0  # an idle kept-alive connection is closed after this long
    # One path in this many (by a hash of it) gets no answer to its first two requests:
    # the first's connection is reset (closed when not `cut_reset`), the second's closed,
    # as an overloaded server or a proxy in front of it may do; its third is answered (0:
    # none). A reset is a close with no linger time, which sends nothing while another
    # process holds the socket: a scan run in the server's process forks its workers
    # with copies of the server's sockets, and that request waits for its timeout.
    cut_every: int = 0
    cut_reset: bool = True
    # Each answer's head also says what HTTP/1.1 forbids and browsers forgive: its
    # Content-Length twice, or beside chunked encoding (with `chunked`).
    length_twice: bool = False
    # A Content-Encoding naming no compression (`UTF-8`, as applications set it by hand)
    # on every answer with a body, the body sent as it is (browsers ignore such a label).
    label: str = ""


class Servable(Protocol):
    """What `ServedSite` serves: pages answered by path, naming the address they are at."""

    paths: dict[str, dict[str, Any]]  # per-path rules (`drop`, `uncompressed`)

    @property
    def base(self) -> str: ...

    @property
    def url(self) -> str: ...

    def served_by(self, port: int) -> None: ...

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]: ...


class DirectorySite:
    """The files under `root`, as nginx serves a static site (a corpus site: bench/served.py).

    `clean_urls` serves them as many hosts of static sites do: `/a/b.html` answers 301 to
    `/a/b`, which answers the page (an `index.html` stays as it is). With `listed` paths,
    a robots.txt names a gzipped sitemap that lists them (and nothing else).
    """

    def __init__(
        self, root: Path, *, clean_urls: bool = False, listed: tuple[str, ...] = ()
    ) -> None:
        self.root = root.resolve()
        self.clean_urls = clean_urls
        self.listed = listed
        self.paths: dict[str, dict[str, Any]] = {}
        self._base = ""

    @property
    def base(self) -> str:
        return self._base

    @property
    def url(self) -> str:
        return f"{self.base}/index.html"

    def served_by(self, port: int) -> None:
        self._base = f"http://127.0.0.1:{port}"

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if self.listed and path == "/robots.txt":
            text = f"User-agent: *\nAllow: /\n\nSitemap: {self.base}/sitemap.xml.gz\n"
            return 200, {"Content-Type": "text/plain"}, text.encode()
        if self.listed and path == "/sitemap.xml.gz":
            entries = "".join(f"<url><loc>{self.base}{p}</loc></url>" for p in self.listed)
            xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            return 200, {"Content-Type": "application/gzip"}, gzip.compress(xml.encode(), mtime=0)
        name = unquote(path).lstrip("/")
        if self.clean_urls and name.endswith(".html") and not name.endswith("index.html"):
            return 301, {"Location": path.removesuffix(".html")}, b""
        file = self.root / name
        if self.clean_urls and (self.root / f"{name}.html").is_file():
            file = self.root / f"{name}.html"
        if file.is_dir():
            file = file / "index.html"
        # Symbolic links are followed (nginx does: the Python docs link jquery.js so), but
        # no path leaves the root.
        if ".." in Path(name).parts or not file.is_file():
            return 404, {"Content-Type": "text/html"}, b"<html><title>404 Not Found</title>"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return 200, {"Content-Type": kind}, file.read_bytes()


class _Server(ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class ServedSite:
    """`site` (a `PlantedSite` not started, or a `DirectorySite`) served as `serving` says;
    a context manager."""

    def __init__(self, site: Servable, serving: Serving) -> None:
        self.site = site
        self.serving = serving
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._lock = threading.Lock()
        self._window_start, self._in_window = 0.0, 0
        self.requests = self.refusals = 0  # requests read, and those refused (rate limit)
        self.cuts = 0  # requests dropped without an answer (`Serving.cut_every`)
        self._asked: dict[str, int] = {}  # requests read for each path that drops some
        site.served_by(self.server.server_address[1])  # the pages name this address
        if isinstance(site, PlantedSite):
            site.httpd.server_close()  # its own server is not used

    @property
    def base(self) -> str:
        return self.site.base

    @property
    def url(self) -> str:
        return self.site.url

    def __enter__(self) -> ServedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _refused(self) -> bool:
        """Count one request; True when it is past the rate limit (a window of one second)."""
        with self._lock:
            self.requests += 1
            if not self.serving.rate_limit:
                return False
            now = time.monotonic()
            if now - self._window_start >= 1:
                self._window_start, self._in_window = now, 0
            self._in_window += 1
            refused = self._in_window > self.serving.rate_limit
            self.refusals += refused
            return refused

    def _dropped(self, path: str, connection: socket.socket) -> bool:
        """True when this request for `path` is to get no answer (`Serving.cut_every`):
        its connection is then reset, or left for the server to close."""
        every = self.serving.cut_every
        if not every or zlib.crc32(path.encode()) % every:
            return False
        with self._lock:
            asked = self._asked[path] = self._asked.get(path, 0) + 1
            self.cuts += asked <= 2
        if asked == 1 and self.serving.cut_reset:  # closed with no linger, before the
            # server's shutdown sends a FIN
            no_linger(connection)
            connection.close()
        return asked <= 2

    def _handler(self) -> type[StreamRequestHandler]:
        site, serving, refused, dropped = self.site, self.serving, self._refused, self._dropped

        class Handler(StreamRequestHandler):
            def handle(self) -> None:
                answered = 0
                while self._answer_one(answered) and serving.keep_alive:
                    answered += 1
                    if answered == serving.answers_per_connection:
                        return

            def _answer_one(self, answered: int) -> bool:
                if answered and serving.idle_close_ms:  # waiting for the next request
                    self.connection.settimeout(serving.idle_close_ms / 1000)
                try:
                    line = self.rfile.readline(65537)
                except (TimeoutError, ConnectionResetError):
                    return False  # idle too long, or the client hung up
                self.connection.settimeout(None)
                if not line.strip():
                    return False
                method, target = line.decode("latin-1").split(" ")[:2]
                accepts = ""
                while (header := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "accept-encoding":
                        accepts = value
                path = target.split("?", 1)[0]
                rule = site.paths.get(path, {})
                if rule.get("drop", False):
                    return False  # no answer at all, as the planted server does
                if serving.latency_ms:
                    time.sleep(random.Random(path).random() * serving.latency_ms / 1000)
                status, headers, body = site.answer(path)
                limited = refused()  # (counts the request)
                if dropped(path, self.connection):
                    return False
                if limited:
                    status, body = serving.refusal, b"<title>Too many requests</title>"
                    headers = {"Content-Type": "text/html"}
                    if serving.retry_after is not None:
                        headers["Retry-After"] = str(serving.retry_after)
                coding = serving.coding
                if body and serving.label:
                    headers["Content-Encoding"] = serving.label
                elif body and coding in accepts and not rule.get("uncompressed", False):
                    body = ENCODE[coding](body)
                    headers["Content-Encoding"] = coding
                head, framed = _framed(serving, status, headers, body)
                try:
                    self.wfile.write(head)
                    if method != "HEAD" or serving.head_body:
                        self.wfile.write(framed)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return False
                return True

        return Handler


def _framed(
    serving: Serving, status: int, headers: dict[str, str], body: bytes
) -> tuple[bytes, bytes]:
    """The head (up to its blank line) and the framed body of an answer served as
    `serving` says."""
    if serving.chunked:
        headers["Transfer-Encoding"] = "chunked"
        framed = b"".join(
            b"%x\r\n%s\r\n" % (len(part), part)
            for part in (body[i : i + CHUNK] for i in range(0, len(body), CHUNK))
        )
        framed += b"0\r\n\r\n"
        if serving.length_twice:  # a wrong one, which the chunks override
            headers["Content-Length"] = str(len(body) + 7)
    else:
        headers["Content-Length"] = str(len(body))
        framed = body
    if not serving.keep_alive:
        headers["Connection"] = "close"
    reason = HTTPStatus(status).phrase
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    if serving.length_twice and not serving.chunked:
        head += f"Content-Length: {len(framed)}\r\n"
    return head.encode("latin-1") + b"\r\n", framed
