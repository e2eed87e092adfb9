"""Sites served on 127.0.0.1 for tests: routes are Python functions; every request is logged."""

from __future__ import annotations

import itertools
import ssl
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class Site:
    """A tiny site on 127.0.0.1 whose routes are Python functions; it logs every request."""

    def __init__(
        self,
        routes: dict[str, Route],
        default: Route | None = None,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: serve https with this server-side context (the handshake happens in the
        request's thread, so a client that refuses the certificate stalls nothing)."""
        self.requests: list[str] = []
        self.scheme = "http" if tls is None else "https"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                self._respond(with_body=True)

            def do_HEAD(self) -> None:
                # The route answers as for GET (it may look at `command`), without the body.
                site.requests.append(f"HEAD {self.path}")
                self._respond(with_body=False)

            def _respond(self, *, with_body: bool) -> None:
                route = routes.get(self.path.split("?")[0], default)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/html"}, b"not found"
                else:
                    status, headers, body = route(self)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if with_body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that hang up or refuse the certificate; loud otherwise."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def html(body: str, title: str = "A page") -> Route:
    page = (
        f"<!DOCTYPE html><html lang=en><head><title>{title}</title></head>"
        f"<body>{body}</body></html>"
    ).encode()
    return lambda _handler: (200, {"Content-Type": "text/html; charset=utf-8"}, page)


def length_twice(route: Route) -> Route:
    """`route` with its own Content-Length beside the one the server adds, as libmicrohttpd
    and some PHP setups send it (aiohttp refuses such an answer; browsers read it)."""

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = route(handler)
        return status, {**headers, "Content-Length": str(len(body))}, body

    return answer


def moved(to: str, status: int = 301) -> Route:
    """A redirect to `to`."""
    return lambda _handler: (status, {"Location": to}, b"")


def redirect_routes(site_routes: dict[str, Route], port: int) -> dict[str, Route]:
    """Into `site_routes` (a running site's, on `port`): a home page linking through
    redirects: /a.html -> /a (which links to /d), /gone -> /missing (302, then 404),
    /p -> /private/ (for scans that exclude it) and /c -> /other on another host
    (localhost). Returns `site_routes`."""
    site_routes.update(
        {
            "/": html("".join(f'<a href="{p}">{p}</a>' for p in ("/a.html", "/gone", "/p", "/c"))),
            "/a.html": moved("/a"),
            "/a": html('<a href="/d">d</a>', title="Page a"),
            "/d": html("d", title="Page d"),
            "/gone": moved("/missing", 302),
            "/p": moved("/private/"),
            "/private/": html("private"),
            "/other": html("on another host"),
            "/c": moved(f"http://localhost:{port}/other"),
        }
    )
    return site_routes


# The pages a scan of `redirect_routes` excluding /private/ audits, by path.
REDIRECT_PAGES = ["", "a", "a.html", "c", "d", "gone", "missing", "p"]


def tree(size: int | None = None, delay_s: float = 0.0) -> Route:
    """A binary tree of pages, each answered after `delay_s`: "/" (page 0) and /pN link to
    /p(2N+1) and /p(2N+2), those below `size` when it is given; other paths answer 404."""

    def page(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(delay_s)
        path = handler.path
        if path != "/" and not path.removeprefix("/p").isdigit():
            return 404, {"Content-Type": "text/plain"}, b"not found"
        n = 0 if path == "/" else int(path.removeprefix("/p"))
        children = [c for c in (2 * n + 1, 2 * n + 2) if size is None or c < size]
        links = "".join(f'<a href="/p{c}">p{c}</a>' for c in children)
        body = f"<html lang=en><head><title>Page {n}</title></head><body>{links}</body></html>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    return page


# How late a busy machine may note when a request reached a test server: the server is a
# thread of a test process, and `make test` runs three of them on two cores (seen up to
# 0.056 s late). Assertions on how far apart requests arrived allow this much.
ARRIVAL_JITTER_S = 0.1


def assert_spaced(times: Sequence[float], interval_s: float) -> None:
    """Requests that reached a test server at `times` were sent at least `interval_s` apart,
    as far as a busy machine lets the server tell: a request noted late shortens the gap
    after it (each gap is allowed `ARRIVAL_JITTER_S`), but lateness does not add up, so
    the first to the last is one interval a gap within that much."""
    ordered = sorted(times)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(ordered)]
    assert gaps, "fewer than two requests"
    assert min(gaps) >= interval_s - ARRIVAL_JITTER_S, gaps
    assert ordered[-1] - ordered[0] >= interval_s * len(gaps) - ARRIVAL_JITTER_S, gaps


def logged(route: Route, hits: list[tuple[float, str]]) -> Route:
    """`route`, noting (monotonic time, path) in `hits` when a request reaches it."""

    def wrapper(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        hits.append((time.monotonic(), handler.path))
        return route(handler)

    return wrapper


# How a CDN refuses a request over its rate limit: 429 with Retry-After, or (a rate rule's
# managed challenge) the challenge page that Cloudflare marks `cf-mitigated: challenge`.
TOO_FAST = (429, {"Retry-After": "1"})
CHALLENGE = (403, {"cf-mitigated": "challenge"})


def rate_limited(
    pages: int, min_gap_s: float = 0.15, refusal: tuple[int, dict[str, str]] = TOO_FAST
) -> tuple[dict[str, Route], list[float]]:
    """The routes of a home page linking to `pages` pages, behind a rate limit as a CDN
    applies it: a request less than `min_gap_s` after the last one let through is refused
    with `refusal` (a status and headers). Also the list the refusals' times go to."""
    lock = threading.Lock()
    passed: list[float] = []
    refused: list[float] = []

    def limited(route: Route) -> Route:
        def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            with lock:
                now = time.monotonic()
                if passed and now - passed[-1] < min_gap_s:
                    refused.append(now)
                    return refusal[0], refusal[1], b"slow down"
                passed.append(now)
            return route(handler)

        return answer

    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(pages))
    routes = {
        "/": limited(html(links, "Home")),
        **{f"/p{i}": limited(html("<h1>p</h1>", f"P{i}")) for i in range(pages)},
    }
    return routes, refused


# How a scan finds the pages of `listing_routes` when the sitemap lists /, /a, /b, /more
# and /orphan: by their links, at their click depths, and the orphan by the sitemap.
LISTING_FOUND = {
    "": ("start", 0),
    "a": ("link", 1),
    "b": ("link", 2),
    "more": ("link", 3),
    "orphan": ("sitemap", 0),
}


def listing_routes(
    base: str, listed: list[str], extra: dict[str, Route] | None = None
) -> dict[str, Route]:
    """A site at `base` whose /sitemap.xml lists the paths `listed`: "/" links to /a, /a
    to /b, /b to /more; /orphan and /orphan2 are linked from nowhere. `extra` adds or
    replaces routes."""
    urls = "".join(f"<url><loc>{base}{path.lstrip('/')}</loc></url>" for path in listed)
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()
    return {
        "/sitemap.xml": lambda _handler: (200, {"Content-Type": "application/xml"}, sitemap),
        "/": html('<a href="/a">a</a>'),
        "/a": html('<a href="/b">b</a>'),
        "/b": html('<a href="/more">more</a>'),
        "/more": html("more"),
        "/orphan": html("orphan"),
        "/orphan2": html("orphan 2"),
        **(extra or {}),
    }


def slow_listing_routes(base: str, only_listed: int, slow_s: float) -> dict[str, Route]:
    """`listing_routes` at `base` listing its four linked pages and `only_listed` pages
    /o0, /o1... linked from nowhere; /b answers after `slow_s` seconds, holding the crawl
    of the links (its /more waits for it)."""
    orphans = [f"/o{n}" for n in range(only_listed)]
    slow = html('<a href="/more">more</a>')

    def late(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(slow_s)
        return slow(handler)

    routes = listing_routes(base, ["/", "/a", "/b", "/more", *orphans], {"/b": late})
    routes.update({path: html("only listed") for path in orphans})
    return routes


def late_shortcut_routes(slow_s: float, filler_s: float) -> dict[str, Route]:
    """A site where "/" -> /slow -> /target is two clicks and "/" -> /fast -> /mid ->
    /target three, /slow answering after `slow_s`: /target is first found three clicks
    deep, while queued behind 40 pages /f0.. (from /mid) answering after `filler_s` each.
    /target links to /leaf."""

    def slowly(route: Route, delay_s: float) -> Route:
        def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            time.sleep(delay_s)
            return route(handler)

        return answer

    def links(*paths: str) -> Route:
        return html("".join(f'<a href="{path}">{path}</a>' for path in paths))

    fillers = [f"/f{n}" for n in range(40)]
    return {
        "/": links("/slow", "/fast"),
        "/slow": slowly(links("/target"), slow_s),
        "/fast": links("/mid"),
        "/mid": links(*fillers, "/target"),
        "/target": links("/leaf"),
        "/leaf": html("leaf"),
        **{path: slowly(html(path), filler_s) for path in fillers},
    }
