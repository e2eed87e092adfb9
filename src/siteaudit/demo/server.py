"""Serve the bundled demo site on 127.0.0.1 with a few deliberate HTTP-level problems.

Besides the static pages it answers `/old-buying-guide` with a two-hop redirect chain,
`/server-error` with a 500, generates robots.txt and sitemap.xml for its own address, and
sends some security headers but not all of them.
"""

from __future__ import annotations

import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import cast

SITE_ROOT = Path(str(files("siteaudit.demo") / "site"))
SITEMAP_PATHS = ("/", "/products/", "/products/tents.html", "/blog/", "/products/gift-cards.html")
REDIRECTS = {"/old-buying-guide": "/buying-guide", "/buying-guide": "/blog/layering-guide.html"}


class DemoHandler(SimpleHTTPRequestHandler):
    """Static files plus the demo's planted redirects, errors and generated files."""

    server_version = "Apache/2.4.41 (Ubuntu)"  # a version disclosure, on purpose

    def do_GET(self) -> None:
        """Answer the planted routes, else serve a static file."""
        path = self.path.split("?", 1)[0]
        if path in REDIRECTS:
            self._answer(HTTPStatus.MOVED_PERMANENTLY, b"", location=REDIRECTS[path])
        elif path == "/server-error":
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, b"<h1>Internal Server Error</h1>")
        elif path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /cart/\nSitemap: {self._base()}/sitemap.xml\n"
            self._answer(HTTPStatus.OK, body.encode(), content_type="text/plain")
        elif path == "/sitemap.xml":
            self._answer(HTTPStatus.OK, self._sitemap(), content_type="application/xml")
        else:
            super().do_GET()

    def end_headers(self) -> None:
        """Add the security headers the demo does send (not CSP, not frame protection)."""
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the scan's own output is what the user wants to read."""

    def _base(self) -> str:
        host, port = cast(tuple[str, int], self.server.server_address)[:2]
        return f"http://{host}:{port}"

    def _sitemap(self) -> bytes:
        entries = "".join(f"<url><loc>{self._base()}{p}</loc></url>" for p in SITEMAP_PATHS)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n'
        ).encode()

    def _answer(
        self,
        status: HTTPStatus,
        body: bytes,
        *,
        location: str | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)


class DemoServer:
    """The demo site on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, port: int = 0) -> None:
        handler = partial(DemoHandler, directory=str(SITE_ROOT))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The site's start URL."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
