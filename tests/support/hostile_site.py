"""Generated hostile sites for the fuzz suite (tests/fuzz): one seed, one site.

Each page is drawn at random from what real and hostile sites serve: titles and attributes
carrying markup, template syntax, formula prefixes, NUL and control characters, long runs;
links a browser could not load (`http://[::1`, port 99999, backslashes, bad escapes);
headers with odd values (X-Robots-Tag, Link, Refresh, Server, Content-Type charsets) and,
on one site in four, names HTTP/1.1 forbids (`X Powered By`, space before the colon) and a
Content-Encoding naming no compression (`UTF-8`), and on half of those a status line in
lower case (`http/1.1 200 OK`), which browsers read; every
status, and connections closed or reset before the answer or cut short in the body; bodies
in UTF-8, Latin-1, UTF-16 or random bytes; JSON-LD valid, broken or nested thousands deep;
a robots.txt and a sitemap (urlset, index, feed or garbage). The home page links to every
page, so the crawl reaches them all unless the site itself prevents it.

The server writes headers as raw bytes (UTF-8), so a value `http.server` would refuse
reaches the crawler as a hostile server would send it. It binds 127.0.0.1 only, in a
process of its own (`serving`): a scan run in the test's process forks page workers, which
keep copies of the server's open connections, and a connection the server closed or reset
stayed open in them, so the crawler waited out its read timeout instead (a 20 s `timeout`
where the site had hung up, now and then, depending on what was open at the fork).
"""

from __future__ import annotations

import json
import random
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.background import exit_when_parent_ends, in_child_process
from tests.support.sockets import no_linger

Answer = tuple[int, list[tuple[str, str]], bytes]

HOSTILE_TEXT = [
    "<script>XSSMARK1</script>",
    '"><img src=x onerror=XSSMARK2>',
    "javascript:XSSMARK3",
    "{{ 12345*2 }}",
    "{% raw %}",
    "\u202eevil",
    "\x00nul",
    "\ud800",
    "=cmd|' /C calc'!A0",
    "+SUM(1)",
    "-2+3",
    "@SUM(1)",
    "\tTAB",
    "\rCR",
    "a" * 5000,
    "é" * 300,
    "😀" * 100,
    "\x00\x01\x02",
    "&amp;&lt;&#0;&#xD800;&#1114112;",
    "]]>",
    "-->",
    "<!--",
    "'\"`",
    "%s%n%x",
    "\\",
    "\n\n\n",
    " ",
    "",
    "\u200b",
    "<",
    ">",
    "&",
    "\x7f",
    "\x1b[31m",
]
HOSTILE_URLS = [
    "javascript:XSSMARK4()",
    "data:text/html,<script>XSSMARK5</script>",
    "http://[::1",
    "http://127.0.0.1:99999/",
    "//",
    "?",
    "#",
    "#frag",
    "%",
    "%zz",
    "..\\..\\x",
    "mailto:a@b",
    "tel:+1",
    "/" + "x" * 4000,
    " /spaced path ",
    "/new\nline",
    "http://",
    "https://",
    "/%00",
    "/%2e%2e/%2e%2e/etc",
    "/a/./b/../c",
    "\\\\server\\share",
    "HTTP://127.0.0.1:{port}/Upper",
    "http://user:pw@127.0.0.1:{port}/",
    "/?q=<script>XSSMARK6</script>",
    '/"><script>XSSMARK7</script>',
    "/%E9t%E9",
    "/é",
    "/{{ 12345*2 }}",
    "/?a=1&a=2&&&",
    "/;param",
    "/" + "../" * 50,
    "/.%2e/",
    "/\u202eevil",
    "http://localhost:{port}/",
    "http://2130706433:{port}/",
    "file:///etc/passwd",
    "/search?q=日本&r=€#日本",
    "?q=\u00e9\u00e8",
    "/s?%E9=é&\ud800",
]
# Answers that are no status: the connection closed, or reset, before any answer, or a
# body cut short of its Content-Length.
HANG_UP, RESET, CUT_BODY = -1, -2, -3
STATUSES = [200] * 30 + [301, 302, 307, 308, 404, 410, 500, 503, 204, 203, 206, 299, 418, 401, 403]
STATUSES += [HANG_UP, RESET, CUT_BODY]
CONTENT_TYPES = [
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=bogus",
    'text/html; charset="utf-16"',
    "text/html; charset=iso-8859-1",
    "TEXT/HTML;CHARSET=UTF-8",
    "",
    "application/xhtml+xml",
    "text/html; charset=",
    "application/pdf",
    "image/png",
    "text/css",
    "application/javascript",
    "text/plain",
    "text/html; charset=shift_jis",
    "text/html; charset=euc-kr",
    "text/html; charset=iso-2022-jp",
    "text/html; charset=idna",
    "text/html; charset=unicode_escape",
]
SUFFIXES = ["", ".html", "/", "?x=1", ".pdf", ".png", ".css", ".js"]
# Markers that must never reach a report as live markup (tests/fuzz checks the reports).
MARKER = "XSSMARK"
EVALUATED = str(12345 * 2)


class HostileSite:
    """The pages of one seed's site, for a server on `port`."""

    def __init__(self, seed: int, pages: int, port: int) -> None:
        self._random = random.Random(seed)
        self._port = port
        self._forbidden_names = self._random.random() < 0.25
        # (From the seed, not drawn: a draw here would change every other seed's site.)
        self.lax_status = self._forbidden_names and seed % 2 == 0
        self.paths = ["/"] + [f"/p{n}{self._random.choice(SUFFIXES)}" for n in range(pages)]
        self.answers: dict[str, Answer] = {path: self._answer(path) for path in self.paths}
        self.answers["/robots.txt"] = (200, [("Content-Type", "text/plain")], self._robots())
        self.answers["/sitemap.xml"] = (200, [("Content-Type", "application/xml")], self._sitemap())

    def answer(self, path: str) -> Answer:
        """What the site answers for `path` (its query ignored when unknown), else 404."""
        found = self.answers.get(path) or self.answers.get(path.split("?", maxsplit=1)[0])
        return found or (404, [("Content-Type", "text/html")], b"not found")

    # -- drawing ------------------------------------------------------------------------------

    def _text(self) -> str:
        return self._random.choice(HOSTILE_TEXT)

    def _url(self) -> str:
        if self._random.random() < 0.6:
            return self._random.choice(self.paths)
        return self._random.choice(HOSTILE_URLS).replace("{port}", str(self._port))

    def _attr(self, value: str) -> str:
        """Half the time quoted safely, half the time raw: it may break the markup."""
        return value.replace('"', "&quot;") if self._random.random() < 0.5 else value

    def _answer(self, path: str) -> Answer:
        pick = self._random.choice
        status = 200 if path == "/" else pick(STATUSES)
        headers: list[tuple[str, str]] = []
        content_type = "text/html; charset=utf-8" if path == "/" else pick(CONTENT_TYPES)
        if content_type:
            headers.append(("Content-Type", content_type))
        if status in (301, 302, 307, 308) or self._random.random() < 0.05:
            headers.append(("Location", self._url()))
        for _ in range(self._random.randint(0, 4)):
            name, value = self._header()
            headers.append((name, value.replace("\r", " ").replace("\n", " ")))
        if path.endswith((".pdf", ".png")):
            body = self._random.randbytes(self._random.randint(0, 2000))
        elif path.endswith(".css"):
            css = f"body{{background:url({self._url()})}} @import '{self._url()}';{self._text()}"
            body = css.encode("utf-8", "replace")
        elif path == "/":
            index = "".join(f'<a href="{p}">{p}</a>' for p in self.paths[1:])
            body = (self._page() + index).encode("utf-8", "replace")
        else:
            body = self._encoded(self._page())
        return status, headers, body

    def _header(self) -> tuple[str, str]:
        pick = self._random.choice
        choices: list[Callable[[], tuple[str, str]]] = [
            lambda: ("X-Robots-Tag", pick(["noindex", "otherbot: noindex", "max-snippet: 20"])),
            lambda: ("X-Robots-Tag", self._text()),
            lambda: ("Link", f'<{self._url()}>; rel="canonical"'),
            lambda: ("Link", f"<{self._url()}>; rel=alternate; hreflang=de"),
            lambda: ("Link", "<" * 200),
            lambda: ("Refresh", pick([f"0; url={self._url()}", "x", self._text()])),
            lambda: ("Content-Language", self._text()),
            lambda: ("Server", pick(["nginx/1.2.3", "9" * 200, self._text()])),
            lambda: ("Strict-Transport-Security", self._text()),
            lambda: ("Content-Security-Policy", self._text()),
            lambda: ("Cache-Control", pick(["no-store", "max-age=abc", self._text()])),
            lambda: ("Last-Modified", self._text()),
            lambda: ("Set-Cookie", self._text()),
            lambda: ("X-Frame-Options", self._text()),
            lambda: ("Vary", self._text()),
            lambda: ("Access-Control-Allow-Origin", self._text()),
        ]
        if self._forbidden_names:
            # Names HTTP/1.1 forbids and browsers forgive (crawl/lenient.py): once one is
            # seen, the crawler reads every answer of the site forgivingly (one site in
            # four, so that the others' hostile answers reach the strict parser).
            choices += [
                lambda: ("X Powered By", self._text()),
                lambda: ("Vary ", pick(["Accept-Encoding", self._text()])),
                lambda: ("Content-Encoding", pick(["UTF-8", "none", "binary"])),
            ]
        return pick(choices)()

    def _encoded(self, text: str) -> bytes:
        mode = self._random.random()
        if mode < 0.75:
            return text.encode("utf-8", "surrogatepass")
        if mode < 0.85:
            return text.encode("latin-1", "replace")
        if mode < 0.9:
            return text.encode("utf-16", "surrogatepass")
        noise = self._random.randbytes(self._random.randint(0, 3000))
        return noise + text.encode("utf-8", "replace")

    def _page(self) -> str:
        pick = self._random.choice
        parts = ["<!doctype html>" if self._random.random() < 0.8 else ""]
        parts.append(f'<html lang="{self._attr(pick(["en", "xx-YY", self._text(), ""]))}"><head>')
        parts += [f"<title>{self._text()}</title>" for _ in range(self._random.randint(0, 3))]
        parts += [pick(self._head_parts())() for _ in range(self._random.randint(0, 10))]
        parts.append("</head><body>")
        parts += [pick(self._body_parts())() for _ in range(self._random.randint(0, 40))]
        if self._random.random() < 0.7:
            parts.append("</body></html>")
        return "".join(parts)

    def _head_parts(self) -> list[Callable[[], str]]:
        pick, attr, text, url = self._random.choice, self._attr, self._text, self._url
        return [
            lambda: f'<meta name="description" content="{attr(text())}">',
            lambda: f'<meta name="robots" content="{pick(["noindex", "none", text()])}">',
            lambda: f'<link rel="canonical" href="{attr(url())}">',
            lambda: f'<link rel="alternate" hreflang="{attr(text())}" href="{attr(url())}">',
            lambda: f'<meta property="og:image" content="{attr(text())}">',
            lambda: f'<meta name="viewport" content="{attr(pick(["user-scalable=no", text()]))}">',
            lambda: f'<meta http-equiv="refresh" content="{attr(f"0; url={url()}")}">',
            lambda: f'<meta charset="{attr(pick(["utf-8", "bogus", text()]))}">',
            lambda: f'<script type="application/ld+json">{self._json_ld()}</script>',
            lambda: f'<link rel="stylesheet" href="{attr(url())}">',
            lambda: f'<script src="{attr(url())}" integrity="{attr(text())}"></script>',
            lambda: f'<link rel="{attr(pick(["next", "icon", text()]))}" href="{attr(url())}">',
        ]

    def _body_parts(self) -> list[Callable[[], str]]:
        pick, attr, text, url = self._random.choice, self._attr, self._text, self._url
        words = ["word", "lorem", "ipsum", "siteaudit"]
        return [
            lambda: f'<a href="{attr(url())}" rel="{attr(pick(["", "nofollow"]))}">{text()}</a>',
            lambda: f"<h{self._random.randint(1, 6)}>{text()}</h{self._random.randint(1, 6)}>",
            lambda: (
                f'<img src="{attr(url())}" alt="{attr(text())}" width="{attr(text())}"'
                f' srcset="{attr(pick(["a.png 1x, b.png 2x", ",", text(), url() + " 2x"]))}">'
            ),
            lambda: (
                f"<p>{text()} "
                + " ".join(pick(words) for _ in range(self._random.randint(0, 400)))
                + "</p>"
            ),
            lambda: f'<iframe src="{attr(url())}"></iframe>',
            lambda: (
                f'<form action="{attr(url())}"><input name="{attr(text())}"'
                f' type="{attr(text())}"><button>{text()}</button></form>'
            ),
            lambda: f"<table><tr><th>{text()}</th></tr><tr><td>{text()}</td></tr></table>",
            lambda: (
                f'<div id="{attr(text())}" style="{attr(text())}" role="{attr(text())}"'
                f' aria-label="{attr(text())}">{text()}</div>'
            ),
            lambda: f'<video src="{attr(url())}"></video><area href="{attr(url())}">',
            lambda: f'<base href="{attr(url())}">',
            lambda: "<" + pick(["div", "ul", "li", "table", "svg", "template", "noscript"]) + ">",
            lambda: f'<label for="{attr(text())}">{text()}</label>',
            self._burst,
        ]

    def _burst(self) -> str:
        """Now and then more elements of one kind than extraction keeps (`MAX_PER_KIND`)."""
        if self._random.random() >= 0.05:
            return self._text()
        element = self._random.choice(
            [
                f'<img src="{self._attr(self._url())}">',
                f"<h2>{self._text()}</h2>",
                f'<link rel="alternate" hreflang="x" href="{self._attr(self._url())}">',
                f'<script src="{self._attr(self._url())}"></script>',
                '<meta name="m" content="c">',
                "<table><tr><td>x</td></tr></table>",
            ]
        )
        return element * self._random.randint(1_000, 1_200)

    def _json_ld(self) -> str:
        kinds = ["Article", "Product", "BreadcrumbList", self._text()]
        thing = {"@context": "https://schema.org", "@type": self._random.choice(kinds)}
        return self._random.choice(
            [
                json.dumps({**thing, "name": self._text(), "url": self._url()}),
                "{" * self._random.randint(1, 3000),
                "[" * 3000,
                self._text(),
            ]
        )

    def _robots(self) -> bytes:
        pick = self._random.choice
        fields = ["Disallow", "Allow", "Crawl-delay", "Sitemap", "Noindex", "Bogus"]
        values = ["/p1", "/*?", self._text(), "/sitemap.xml", "0.01"]  # never "/": a scan
        lines = [f"{pick(fields)}: {pick(values)}" for _ in range(self._random.randint(0, 8))]
        sitemap = f"Sitemap: http://127.0.0.1:{self._port}/sitemap.xml"
        return "\n".join(["User-agent: *", *lines, sitemap, ""]).encode("utf-8", "replace")

    def _sitemap(self) -> bytes:
        base = f"http://127.0.0.1:{self._port}"
        pick = self._random.choice
        locs = "".join(
            f"<url><loc>{pick([base + pick(self.paths), self._url()])}</loc>"
            f"<lastmod>{self._text()}</lastmod></url>"
            for _ in range(self._random.randint(0, 30))
        )
        return self._random.choice(
            [
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
                f"<sitemapindex><sitemap><loc>{base}/sitemap.xml</loc></sitemap></sitemapindex>",
                self._text(),
                f"<rss><channel><item><link>{self._url()}</link></item></channel></rss>",
            ]
        ).encode("utf-8", "replace")


@contextmanager
def serving(seed: int, pages: int) -> Iterator[str]:
    """Serve seed `seed`'s site of `pages` pages on 127.0.0.1 from a process of its own
    (see the module notes); yields its base URL and ends that process when done."""
    with in_child_process("tests.support.hostile_site", str(seed), str(pages)) as url:
        yield url


def serve_forever(seed: int, pages: int) -> None:
    """Serve the site until stopped, or until the test session ends (a killed one leaves no
    server behind); its base URL printed first (`serving`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    server.site = HostileSite(seed, pages, port)  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    exit_when_parent_ends()
    print(f"http://127.0.0.1:{port}/", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a hostile site's requests are not the test's output."""

    def do_GET(self) -> None:
        self._send(with_body=True)

    def do_HEAD(self) -> None:
        self._send(with_body=False)

    def _send(self, *, with_body: bool) -> None:
        site: HostileSite = self.server.site  # type: ignore[attr-defined]
        status, headers, body = site.answer(self.path)
        if status in (HANG_UP, RESET):
            if status == RESET:  # closed with a zero linger time, before the server's
                # shutdown would send a FIN: an RST
                no_linger(self.connection)
                self.connection.close()
            return
        self.send_response_only(200 if status == CUT_BODY else status)
        if site.lax_status:  # as browsers read it (crawl/lenient.py `status_line`)
            self._headers_buffer[0] = self._headers_buffer[0].lower()
        lines = [f"{name}: {value}\r\n".encode("utf-8", "replace") for name, value in headers]
        announced = len(body) + (1000 if status == CUT_BODY else 0)
        lines.append(f"Content-Length: {announced}\r\n\r\n".encode())
        try:
            self.wfile.write(self._headers_start() + b"".join(lines))
            if with_body and status not in (204, 304):
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on this answer (its size, its time): fine

    def _headers_start(self) -> bytes:
        buffered = b"".join(getattr(self, "_headers_buffer", []))
        self._headers_buffer = []
        return buffered


if __name__ == "__main__":
    serve_forever(int(sys.argv[1]), int(sys.argv[2]))
