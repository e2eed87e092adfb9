"""A synthetic site of any size, generated on the fly, served from a process of its own.

Page `n` (0 is `/`, the others `/p/<n>`) has a title, a heading, a paragraph and 20
internal links: ten "children" `10n+1 .. 10n+10` (so every page is reachable within
log10(pages) + 1 links of the start) and ten pseudo-random pages derived from `n`. One page in
a hundred (`n % 100 == 50`) answers 404, so broken links are part of the crawl. With `menu`,
every page also has a navigation menu of links to pages 1..menu, as a shop's mega menu (a
few hundred links on every page: the link table grows by that much a page). Everything is
a pure function of `n`: two runs serve the same site.

The server runs in a separate process so that it does not share a GIL with the crawler
under test: `with synthetic_site(100_000) as site: ... site.url ...`. Run it by hand with
`python -m tests.support.synthetic --pages 1000` (it prints its URL).
"""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web

from tests.support.background import exit_when_parent_ends, in_child_process

LINKS_PER_PAGE = 20
CHILDREN = 10


def is_missing(n: int) -> bool:
    """Whether page `n` answers 404 (one in a hundred, never the start page)."""
    return n % 100 == 50


def path_of(n: int) -> str:
    """The URL path of page `n`."""
    return "/" if n == 0 else f"/p/{n}"


def links_of(n: int, pages: int) -> list[int]:
    """The pages page `n` links to, in document order (repeats are possible)."""
    children = [c for c in range(CHILDREN * n + 1, CHILDREN * n + CHILDREN + 1) if c < pages]
    others = [(n * 7919 + k * 104_729 + 13) % pages for k in range(LINKS_PER_PAGE - CHILDREN)]
    return children + others


def render(n: int, pages: int, menu: str = "") -> bytes:
    """The HTML of page `n`; `menu` is the navigation every page carries (`menu_of`)."""
    links = "".join(f'<li><a href="{path_of(m)}">Page {m}</a></li>' for m in links_of(n, pages))
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Synthetic page {n} of {pages}</title>"
        f'<meta name="description" content="Page {n} of a synthetic test site, generated '
        'on the fly for the scale test of the crawler.">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"</head><body>{menu}<h1>Page {n}</h1><p>This is page {n}. It has a paragraph of text so "
        "that extraction and the content checks have something to read, and twenty links "
        f"to other pages of the site.</p><ul>{links}</ul></body></html>"
    ).encode()


def menu_of(menu: int, pages: int) -> str:
    """A navigation menu of links to pages 1..`menu` (fewer on a smaller site)."""
    if not menu:
        return ""
    items = "".join(
        f'<li><a href="{path_of(m)}">Category {m}</a></li>'
        for m in range(1, min(menu, pages - 1) + 1)
    )
    return f"<nav><ul>{items}</ul></nav>"


def make_app(pages: int, menu: int = 0) -> web.Application:
    """The aiohttp application serving a site of `pages` pages (and /__stats), each with a
    navigation menu of `menu` links."""
    served = {"requests": 0, "pages": 0}
    navigation = menu_of(menu, pages)

    async def handle(request: web.Request) -> web.Response:
        served["requests"] += 1
        path = request.path
        if path == "/__stats":
            return web.json_response(served)
        n = 0 if path == "/" else _number(path)
        if n is None or not 0 <= n < pages or is_missing(n):
            return web.Response(status=404, text="not found")
        served["pages"] += 1
        body = render(n, pages, navigation)
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


def _number(path: str) -> int | None:
    prefix, _, number = path.rpartition("/")
    return int(number) if prefix == "/p" and number.isdigit() else None


@dataclass(frozen=True, slots=True)
class SyntheticSite:
    """A running synthetic site: its start URL and size."""

    url: str
    pages: int

    def expected_404s(self) -> int:
        """How many of the pages answer 404."""
        return sum(1 for n in range(self.pages) if is_missing(n))


@contextmanager
def synthetic_site(pages: int, menu: int = 0) -> Iterator[SyntheticSite]:
    """Serve a `pages`-page site (each page with a menu of `menu` links) from a child
    process on 127.0.0.1; stopped on exit."""
    arguments = ("--pages", str(pages), "--menu", str(menu))
    with in_child_process("tests.support.synthetic", *arguments) as line:
        yield SyntheticSite(url=json.loads(line)["url"], pages=pages)


def main() -> None:
    """Serve the site on a free port of 127.0.0.1; print {"url": ...} once listening."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--menu", type=int, default=0, help="links of every page's menu")
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # connections queue from now on, before the loop starts serving
    exit_when_parent_ends()  # started by `synthetic_site`: ends with the session
    print(json.dumps({"url": f"http://127.0.0.1:{sock.getsockname()[1]}/"}), flush=True)
    web.run_app(make_app(args.pages, args.menu), sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
