"""Serve the planted-problem site (tests/fixtures/sites/planted/) on 127.0.0.1.

Files under `www/` are served by path (`/a/` -> `www/a/index.html`); `site.json` adds the
HTTP-level behaviour files cannot express: per-path statuses, redirects, extra headers,
delays and uncompressed answers, plus headers sent with every response. `{{BASE}}` in a
served text file becomes the server's own `http://127.0.0.1:PORT`, so sitemaps and canonical
links can be absolute. Everything is compressed with gzip unless a path says otherwise,
because an uncompressed page is itself a planted problem.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "sites" / "planted"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".png": "image/png",
    ".bmp": "image/bmp",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
LAST_MODIFIED = "Mon, 06 May 2024 10:00:00 GMT"


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops SYNs when the crawler opens 16 connections at once; the
    # kernel then retries after a second, which would plant ttfb-slow findings by accident.
    request_queue_size = 128
    daemon_threads = True


class PlantedSite:
    """The planted site in a background thread; use as a context manager."""

    def __init__(self, root: Path = SITE) -> None:
        config = json.loads((root / "site.json").read_text(encoding="utf-8"))
        self.root = root / "www"
        self.common: dict[str, str] = config["headers"]
        self.paths: dict[str, dict[str, Any]] = config["paths"]
        self._base: str | None = None
        self.httpd = _Server(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash (of another server that serves
        these pages, once `served_by` said which: tests/support/served.py)."""
        return self._base or f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def served_by(self, port: int) -> None:
        """The pages are served by another server, on `port`: they name its address."""
        self._base = f"http://127.0.0.1:{port}"

    @property
    def url(self) -> str:
        """The start URL."""
        return f"{self.base}/"

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and (uncompressed) body for `path`."""
        rule = self.paths.get(path, {})
        time.sleep(rule.get("delay_ms", 0) / 1000)
        headers = dict(self.common)
        headers.update(rule.get("headers", {}))
        if "location" in rule:
            headers["Location"] = rule["location"].replace("{{BASE}}", self.base)
            return rule.get("status", 301), headers, b""
        file = self._file(rule.get("file", path))
        if file is None:
            headers["Content-Type"] = TYPES[".html"]
            return 404, headers, b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"
        body = file.read_bytes()
        if file.suffix in (".html", ".txt", ".xml"):
            body = body.replace(b"{{BASE}}", self.base.encode())
        headers.setdefault("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
        if file.suffix == ".html":
            headers.setdefault("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')
            headers.setdefault("Last-Modified", LAST_MODIFIED)
        # A header set to "" in site.json means: do not send it at all.
        headers = {name: value for name, value in headers.items() if value != ""}
        return rule.get("status", 200), headers, body

    def _file(self, path: str) -> Path | None:
        relative = path.lstrip("/")
        candidate = self.root / relative
        if path.endswith("/"):
            candidate = candidate / "index.html"
        resolved = candidate.resolve()
        if self.root.resolve() not in resolved.parents or not resolved.is_file():
            return None
        return resolved

    def __enter__(self) -> PlantedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _handler(site: PlantedSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "planted"  # no version number: server-version is not planted here
        sys_version = ""

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            rule = site.paths.get(path, {})
            if rule.get("drop", False):
                self.close_connection = True  # no answer at all: a fetch error
                return
            status, headers, body = site.answer(path)
            accepts = "gzip" in self.headers.get("Accept-Encoding", "")
            if body and accepts and not rule.get("uncompressed", False):
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
