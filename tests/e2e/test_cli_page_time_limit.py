"""A page too heavy to audit within the page time limit, through the real CLI.

The page is real (5 MB of HTML, about a second of extraction and checks); the limit is set
low (`SITEAUDIT_CRAWL__PAGE_TIME_LIMIT_S`). Whether the page runs on the event loop's thread
(no worker processes) or in a worker process, the alarm stops it, the page is reported with
`processing-timeout`, and every other page is audited as usual.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.sites import Site, html

Run = Callable[..., subprocess.CompletedProcess[str]]
SMALL_PAGES = 12  # enough links on the home page for worker processes to start


def heavy_page() -> bytes:
    blocks = "".join(
        f"<div><p>Word{i} alpha beta gamma. Delta {i}?</p><a href='/p{i % 7}'>x{i}</a></div>"
        for i in range(60_000)
    )
    return (
        "<!DOCTYPE html><html lang=en><head><title>Heavy</title></head>"
        f"<body><main>{blocks}</main></body></html>"
    ).encode()


@pytest.mark.parametrize("processes", ["0", "2"], ids=["event-loop-thread", "worker-processes"])
def test_a_page_past_the_time_limit_is_reported_and_the_rest_audited(
    siteaudit: Run,
    serve: Callable[..., Site],
    cli_env: dict[str, str],
    workdir: Path,
    processes: str,
) -> None:
    body = heavy_page()
    links = "".join(f'<a href="/p{i}">page {i}</a>' for i in range(SMALL_PAGES))
    routes = {"/": html(links + '<a href="/heavy">heavy</a>', title="Home")}
    routes.update({f"/p{i}": html("<p>Small.</p>", title=f"Page {i}") for i in range(SMALL_PAGES)})
    routes["/heavy"] = lambda _handler: (200, {"Content-Type": "text/html"}, body)
    site = serve(routes)
    cli_env["SITEAUDIT_CRAWL__PAGE_TIME_LIMIT_S"] = "0.25"
    cli_env["SITEAUDIT_CRAWL__PROCESSES"] = processes

    result = siteaudit("scan", site.url, "--out", "out", "--format", "json", "--quiet")

    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    assert report["scan"]["status"] == "completed_with_errors"
    pages = {page["url"]: page for page in report["pages"]}
    heavy = pages[site.url + "heavy"]
    assert heavy["status"] == 200
    assert heavy["error"]["code"] == "processing-timeout"
    assert "took more than 0.25 s" in heavy["error"]["message"]
    others = [page for url, page in pages.items() if url != site.url + "heavy"]
    assert len(others) == SMALL_PAGES + 1
    assert all(page["error"] is None and page["title"] for page in others)
