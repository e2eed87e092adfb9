"""The `siteaudit` command as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from tests.support.sites import Route, Site, assert_spaced, html, logged, moved, tree

Run = Callable[..., subprocess.CompletedProcess[str]]
Launch = Callable[..., subprocess.Popen[str]]


def test_demo_prints_a_summary_and_writes_json_and_html_reports(
    siteaudit: Run, workdir: Path
) -> None:
    result = siteaudit("demo", "--out", "demo-out")
    assert result.returncode == 0, result.stderr
    assert "Site score" in result.stdout
    assert "Top issues" in result.stdout
    report = json.loads((workdir / "demo-out" / "report.json").read_text())
    assert (workdir / "demo-out" / "report.html").is_file()
    assert (
        str(workdir / "demo-out" / "report.html") in result.stdout or "report.html" in result.stdout
    )
    urls = {page["url"] for page in report["pages"]}
    assert len(urls) >= 15
    check_ids = {finding["check_id"] for finding in report["findings"]}
    # The demo shop's planted problems are found.
    assert {
        "broken-link",
        "redirect-chain",
        "title-duplicate",
        "image-alt",
        "status-5xx",
        "h1-multiple",
        "csp",
    } <= check_ids


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("htp:/x", "unsupported URL scheme"),
        ("file:///etc/passwd", "unsupported URL scheme 'file:'"),
        ("http://", "no host"),
        ("example.com", "has no scheme: write https://example.com"),
        ("https://user:pw@example.com/", "carries a user name or password"),
    ],
)
def test_unusable_urls_end_with_one_line_and_exit_2(siteaudit: Run, url: str, reason: str) -> None:
    result = siteaudit("scan", url)
    assert result.returncode == 2
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_host_ends_with_one_line_and_exit_2(siteaudit: Run) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = siteaudit("scan", f"http://127.0.0.1:{port}/", "--quiet")
    assert result.returncode == 2
    assert "could not reach" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_script_in_a_crawled_title_is_shown_as_text_in_the_html_report(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    site = serve({"/": html("<h1>x</h1>", title="<script>alert(1)</script>")})
    result = siteaudit("scan", site.url, "--out", "out", "--quiet")
    assert result.returncode == 0, result.stderr
    page = (workdir / "out" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_reachable_page_is_reported_and_a_second_run_adds_a_second_scan(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(20))
    site = serve({"/": html(links)}, default=html('<a href="/">home</a> <a href="/gone">x</a>'))
    first = siteaudit("scan", site.url, "--out", "one", "--json")
    second = siteaudit("scan", site.url, "--out", "two", "--json")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["scan_id"] != two["scan_id"]
    report = json.loads((workdir / "one" / "report.json").read_text())
    statuses = {
        page["url"].removeprefix(site.url.rstrip("/")): page["status"] for page in report["pages"]
    }
    assert statuses["/"] == 200
    assert all(statuses[f"/p{i}"] == 200 for i in range(20))
    assert statuses["/gone"] == 200  # the default route answers everything
    listing = siteaudit("scans")
    assert listing.stdout.count(site.url) == 2


def test_urls_the_page_and_depth_limits_kept_out_are_told_in_every_summary_and_report(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    # Ten pages at depth 1, each linking to the same three pages at depth 2 (and back).
    deep = "".join(f'<a href="/deep{i}">d</a>' for i in range(3))
    links = "".join(f'<a href="/p{i}">p{i}</a>' for i in range(10))
    site = serve({"/": html(links)}, default=html(deep + '<a href="/">home</a>'))
    limited = siteaudit("scan", site.url, "--max-pages", "4", "--out", "pages", "--json")
    assert limited.returncode == 0, limited.stderr
    page_limit = (
        "The crawl stopped at its limit of 4 pages: 10 more URLs it found were not fetched"
        " (raise the limit with --max-pages or crawl.max_pages)."
    )  # "/", p0, p1 and p2 fetched: p3-p9, and the three deep pages each counted once
    assert json.loads(limited.stdout)["notices"] == [page_limit]
    assert page_limit in (workdir / "pages" / "report.html").read_text()
    shallow = siteaudit("scan", site.url, "--max-depth", "1", "--out", "depth")
    assert shallow.returncode == 0, shallow.stderr
    depth_limit = (
        "3 URLs more than 1 link away from the start page were not fetched (raise the limit"
        " with --max-depth or crawl.max_depth)."
    )
    assert depth_limit in shallow.stdout
    assert depth_limit in (workdir / "depth" / "report.html").read_text()
    whole = siteaudit("scan", site.url, "--out", "whole", "--json")
    assert json.loads(whole.stdout)["notices"] == []
    assert 'class="notice"' not in (workdir / "whole" / "report.html").read_text()


def test_fail_on_exits_1_when_findings_at_or_above_the_threshold_exist(
    siteaudit: Run, serve: Callable[..., Site]
) -> None:
    site = serve({"/": html('<a href="/missing">broken</a>')})
    assert siteaudit("scan", site.url, "--quiet", "--fail-on", "high").returncode == 1
    assert siteaudit("scan", site.url, "--quiet").returncode == 0


def test_format_limits_the_reports_written(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    site = serve({"/": html("<h1>x</h1>")})
    result = siteaudit("scan", site.url, "--out", "only-csv", "--format", "csv", "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (workdir / "only-csv").iterdir()) == ["findings.csv"]
    bad = siteaudit("scan", site.url, "--format", "pdf")
    assert bad.returncode == 2 and "unknown format" in bad.stderr


def test_ctrl_c_stops_the_scan_within_seconds_and_stores_it_as_cancelled(
    serve: Callable[..., Site], workdir: Path, launch: Launch
) -> None:
    def slow(handler: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.2)
        path = getattr(handler, "path", "/")
        n = int(path.strip("/p") or 0)
        body = (
            f'<html><head><title>p{n}</title></head><body><a href="/p{n + 1}">next</a>'
            f'<a href="/p{n + 2}">skip</a></body></html>'
        )
        return 200, {"Content-Type": "text/html"}, body.encode()

    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=slow)
    proc = launch("scan", site.url, "--concurrency", "2", "--max-pages", "5000", "--quiet")
    # Pages requested (the route hangs up on llms.txt and sitemap.xml, which are asked
    # again on a new connection: they are not pages).
    while sum(path.startswith("/p") for path in site.requests) < 8:
        time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _out, err = proc.communicate(timeout=15)
    assert time.monotonic() - started < 5
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    db = sqlite3.connect(workdir / "scans.db")
    (status,) = db.execute("select status from scans").fetchone()
    (pages,) = db.execute("select count(*) from pages").fetchone()
    assert status == "cancelled"
    assert pages >= 5
    requests_at_stop = len(site.requests)
    time.sleep(0.5)
    assert len(site.requests) == requests_at_stop  # nothing more reaches the site


def test_the_first_ctrl_c_says_what_happens_next(
    serve: Callable[..., Site], launch: Launch
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree(delay_s=0.2))
    proc = launch("scan", site.url, "--concurrency", "2", "--max-pages", "40")
    while len(site.requests) < 10:
        time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert (
        "Stopping: the pages under way are finished and stored, then the reports are written"
        " (Ctrl-C again stops at once).\n"
    ) in err


def test_a_second_ctrl_c_stops_at_once_and_the_scan_can_be_resumed(
    serve: Callable[..., Site], workdir: Path, siteaudit: Run, launch: Launch
) -> None:
    site = serve({"/robots.txt": lambda _h: (404, {}, b"")}, default=tree(delay_s=0.2))
    proc = launch("scan", site.url, "--concurrency", "2", "--max-pages", "40", "--quiet")
    while len(site.requests) < 10:
        time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)  # two at once would be one: a signal is pending or not
    proc.send_signal(signal.SIGINT)  # the pages under way still have 0.2 s to go
    started = time.monotonic()
    out, err = proc.communicate(timeout=15)
    assert time.monotonic() - started < 5
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err
    assert err.strip() == (
        "siteaudit: scan 1 stopped at once: the pages it had stored are kept, those under way"
        " are not; `siteaudit scan --resume 1` continues it"
    )
    assert out == ""  # no reports: the user asked to stop now
    db = sqlite3.connect(workdir / "scans.db")
    try:
        assert db.execute("select status, error from scans").fetchall() == [
            ("cancelled", "stopped at once by the user")
        ]
    finally:
        db.close()
    resumed = siteaudit("scan", "--resume", "1", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    db = sqlite3.connect(workdir / "scans.db")
    try:
        assert db.execute("select status from scans").fetchall() == [("completed",)]
        assert db.execute("select count(distinct url) from pages").fetchall() == [(40,)]
    finally:
        db.close()


def test_a_delay_spaces_the_requests_to_the_site_and_survives_a_resume(
    serve: Callable[..., Site], siteaudit: Run, workdir: Path
) -> None:
    hits: list[tuple[float, str]] = []
    links = "".join(f'<a href="/p{n}">{n}</a>' for n in range(5))
    site = serve(
        {"/": logged(html(links), hits)}, default=logged(html("<p>page</p>", "Page"), hits)
    )
    result = siteaudit("scan", site.url, "--delay", "0.2", "--concurrency", "8", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pages"] == 6
    starts = sorted(at for at, _ in hits)
    assert len(starts) >= 6  # every page (robots.txt and sitemaps too, when routed)
    assert_spaced(starts, 0.2)
    db = sqlite3.connect(workdir / "scans.db")
    try:
        (spec,) = db.execute("select spec from scans").fetchone()
    finally:
        db.close()
    assert json.loads(spec)["delay_s"] == 0.2  # a resumed run keeps it


def test_an_unreachable_database_is_a_one_line_error(
    workdir: Path, cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "SITEAUDIT_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/x"}
    result = subprocess.run(
        [sys.executable, "-m", "siteaudit", "scan", "http://127.0.0.1:9/"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_headers_given_go_to_the_scanned_site_only_and_owned_ones_are_refused(
    siteaudit: Run, serve: Callable[..., Site], cli_env: dict[str, str]
) -> None:
    seen: list[tuple[str, str | None]] = []

    def page(body: str) -> Route:
        def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            seen.append((handler.path, handler.headers.get("X-Staging-Token")))
            return html(body)(handler)

        return answer

    # Another host (localhost), reached by an external link and by a redirect: it must never
    # see the token meant for the scanned site.
    other = serve({"/x": page("elsewhere"), "/landing": page("landed")})
    elsewhere = other.url.replace("127.0.0.1", "localhost")

    links = f'<a href="/two">two</a><a href="/moved">m</a><a href="{elsewhere}x">x</a>'
    site = serve(
        {"/": page(links), "/two": page("two"), "/moved": moved(elsewhere + "landing", 302)}
    )
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    result = siteaudit("scan", site.url, "--quiet", "--header", "X-Staging-Token: s3cret")
    assert result.returncode == 0, result.stderr
    # The redirect was followed and the external link checked, both without the token.
    assert set(seen) == {("/", "s3cret"), ("/two", "s3cret"), ("/landing", None), ("/x", None)}

    for bad, why in (
        ("Host: elsewhere.test", "the Host header is set by siteaudit itself"),
        ("X-Token s3cret", "expected 'Name: value'"),
        ("Bad Name: x", "'Bad Name' is not a valid header name"),
    ):
        refused = siteaudit("scan", site.url, "--quiet", "--header", bad)
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_nofollow_links_are_followed_only_when_asked(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    site = serve(
        {
            "/": html(
                '<nav><a rel="nofollow" href="/about">About</a></nav><a href="/kept">k</a>'
                '<a rel="nofollow" href="/sponsor">s</a><p>Read <a href="/about">about us</a></p>'
            )
        }
    )
    default = siteaudit("scan", site.url, "--out", "default", "--quiet")
    asked = siteaudit("scan", site.url, "--out", "asked", "--quiet", "--follow-nofollow")
    assert default.returncode == 0 and asked.returncode == 0, default.stderr + asked.stderr

    def fetched(out: str) -> set[str]:
        report = json.loads((workdir / out / "report.json").read_text())
        return {page["url"].removeprefix(site.url.rstrip("/")) for page in report["pages"]}

    # /about is also linked without nofollow: that link is followed.
    assert fetched("default") == {"/", "/kept", "/about"}
    assert fetched("asked") == {"/", "/kept", "/sponsor", "/about"}


def robots(text: str) -> Route:
    return lambda _handler: (200, {"Content-Type": "text/plain"}, text.encode())


def test_subdomains_are_crawled_when_asked_each_under_its_own_robots_txt(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    # Three host names pinned to 127.0.0.1 (--resolve): the site, a subdomain of it, and
    # another site; each name's server on its own port.
    docs = serve(
        {
            "/robots.txt": robots("User-agent: *\nDisallow: /private\n"),
            "/": html('<a href="/guide">g</a><a href="/private/notes">p</a>'),
            "/guide": html("guide"),
            "/private/notes": html("secret"),
        }
    )
    other = serve({"/": html("elsewhere")})
    # A subdomain whose robots.txt answers 503: none of its pages may be fetched.
    down = serve({"/robots.txt": lambda _h: (503, {}, b"busy"), "/": html("down")})
    down_url = down.url.replace("127.0.0.1", "down.shop.test")
    docs_url = docs.url.replace("127.0.0.1", "docs.shop.test")
    other_url = other.url.replace("127.0.0.1", "other.test")
    # The home page links to a disallowed page of the subdomain too: it is queued before
    # that host's robots.txt is read, and must still not be fetched.
    early = f'<a href="{docs_url}private/early">e</a><a href="{down_url}">down</a>'
    links = f'<a href="/a">a</a><a href="{docs_url}">d</a><a href="{other_url}">o</a>{early}'
    shop = serve(
        {
            "/": html(links),
            "/a": html("a"),
        }
    )
    start = shop.url.replace("127.0.0.1", "shop.test")
    pins = [
        a
        for name in ("shop.test", "docs.shop.test", "down.shop.test", "other.test")
        for a in ("--resolve", f"{name}:127.0.0.1")
    ]

    def crawled(out: str) -> tuple[set[str], dict[str, int]]:
        report = json.loads((workdir / out / "report.json").read_text())
        return {page["url"] for page in report["pages"]}, report["scan"]["counters"]

    alone = siteaudit("scan", start, "--out", "alone", "--quiet", *pins)
    assert alone.returncode == 0, alone.stderr
    assert crawled("alone")[0] == {start, start + "a"}
    assert docs.requests == [] and other.requests == []

    wide = siteaudit("scan", start, "--out", "wide", "--json", "--subdomains", *pins)
    assert wide.returncode == 0, wide.stderr
    pages, counters = crawled("wide")
    assert pages == {start, start + "a", docs_url, docs_url + "guide"}
    # The subdomain's robots.txt was read once, before its first page, and obeyed.
    assert docs.requests[0] == "/robots.txt"
    assert docs.requests.count("/robots.txt") == 1
    assert not [path for path in docs.requests if path.startswith("/private")]
    assert counters["robots/hosts-read"] == 2
    assert counters["discover/skipped/robots-disallowed"] == 3
    # The robots.txt that answered 503 disallows all (RFC 9309), and the user is told why.
    assert set(down.requests) == {"/robots.txt"}  # asked again: 503 is retried
    notices = json.loads(wide.stdout)["notices"]
    assert any("robots.txt of some subdomains could not be read" in n for n in notices)
    assert other.requests == []  # another site is never crawled


def moved_to(www: list[str], route: Route) -> Route:
    """`route` for requests to www.*; for any other name a permanent redirect to the same
    path at `www[0]` (known once the server runs)."""

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers["Host"].startswith("www."):
            return route(handler)
        return 301, {"Location": www[0].rstrip("/") + handler.path}, b""

    return answer


def test_a_start_url_that_redirects_elsewhere_on_the_site_is_audited_where_it_leads(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    # shop.test redirects every URL to www.shop.test (one server under both names), but
    # answers robots.txt itself: disallowing /a, which the www host's robots.txt allows.
    www: list[str] = []

    def robots_txt(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers["Host"].startswith("www."):
            text = f"User-agent: *\nDisallow: /private\nSitemap: {www[0]}sitemap.xml\n"
        else:
            text = "User-agent: *\nDisallow: /a\n"
        return 200, {"Content-Type": "text/plain"}, text.encode()

    def sitemap(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        xml = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{www[0]}listed</loc></url></urlset>"
        )
        return 200, {"Content-Type": "application/xml"}, xml.encode()

    home = html('<a href="/a">a</a><a href="/private/x">x</a>')
    site = serve(
        {
            "/robots.txt": robots_txt,
            "/sitemap.xml": moved_to(www, sitemap),
            "/": moved_to(www, home),
            "/a": moved_to(www, html("a")),
            "/listed": moved_to(www, html("listed")),
        }
    )
    start = site.url.replace("127.0.0.1", "shop.test")
    www.append(site.url.replace("127.0.0.1", "www.shop.test"))
    pins = ("--resolve", "shop.test:127.0.0.1", "--resolve", "www.shop.test:127.0.0.1")
    result = siteaudit("scan", start, "--out", "out", "--json", *pins)
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    assert {page["url"] for page in report["pages"]} == {www[0], www[0] + "a", www[0] + "listed"}
    assert "/private/x" not in site.requests  # the www host's robots.txt governs its pages
    said = f"{start} redirects to {www[0]}: the scan audited the site from there"
    assert any(said in notice for notice in json.loads(result.stdout)["notices"])
    assert any(said in notice for notice in report["scan"]["notices"])
    settings = report["scan"]["settings"]
    assert (settings["start_url"], settings["requested_url"]) == (www[0], start)


def test_a_start_url_that_redirects_to_another_site_fails_saying_which(
    siteaudit: Run, serve: Callable[..., Site]
) -> None:
    other = serve({"/": html("elsewhere")})
    elsewhere = other.url.replace("127.0.0.1", "other.test")
    site = serve({"/": lambda _h: (302, {"Location": elsewhere}, b"")})
    pins = ("--resolve", "other.test:127.0.0.1")
    result = siteaudit("scan", site.url, "--quiet", *pins)
    assert result.returncode == 2
    assert (
        f"{site.url} redirects to {elsewhere}, another site, so nothing of 127.0.0.1 could be"
        f" audited: scan {elsewhere} to audit the site it leads to"
    ) in result.stderr
    assert site.requests == ["/robots.txt", "HEAD /"]
    assert other.requests == ["HEAD /"]  # where the redirect led, asked once; never crawled


def test_a_home_page_that_redirects_by_meta_refresh_is_crawled_past(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    refresh = '<meta http-equiv="refresh" content="0; url=/en/">'
    site = serve(
        {
            "/": lambda _h: (
                200,
                {"Content-Type": "text/html"},
                f"<head>{refresh}</head>".encode(),
            ),
            "/en/": html('<a href="/en/about">about</a>'),
            "/en/about": html("about"),
        }
    )
    result = siteaudit("scan", site.url, "--out", "out", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    pages = {page["url"]: page for page in report["pages"]}
    assert set(pages) == {site.url, site.url + "en/", site.url + "en/about"}
    assert pages[site.url + "en/"]["found_via"] == "redirect"
    assert any(f["check_id"] == "meta-refresh" for f in report["findings"])


def test_a_canonical_url_no_page_links_to_is_fetched_and_judged(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    canonical = '<link rel="canonical" href="/gone-preferred">'
    site = serve({"/": html('<a href="/a">a</a>'), "/a": html(f"{canonical}<p>a</p>")})
    result = siteaudit("scan", site.url, "--out", "out", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    pages = {page["url"]: page for page in report["pages"]}
    assert pages[site.url + "gone-preferred"]["found_via"] == "canonical"
    broken = [f for f in report["findings"] if f["check_id"] == "canonical-target-broken"]
    assert [f["url"] for f in broken] == [site.url + "a"]


def test_parameter_rules_make_one_page_of_the_urls_that_differ_by_them(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    links = (
        '<a href="/p?utm_source=news&id=1">1</a><a href="/p?id=1&UTM_MEDIUM=mail">2</a>'
        '<a href="/p?id=1">3</a><a href="/q?sessionid=abc">4</a><a href="/q?sessionid=def">5</a>'
    )
    site = serve({"/": html(links), "/p": html("p"), "/q": html("q")})
    result = siteaudit(
        "scan", site.url, "--quiet", "--strip-param", "utm_*", "--strip-param", "SessionID"
    )
    assert result.returncode == 0, result.stderr
    discovery = ("/robots.txt", "HEAD /", "/llms.txt", "/sitemap.xml")
    assert sorted(r for r in site.requests if r not in discovery) == ["/", "/p?id=1", "/q"]
    report = json.loads(next(workdir.glob(".siteaudit/reports/scan-*/report.json")).read_text())
    assert {page["url"] for page in report["pages"]} == {
        site.url,
        site.url + "p?id=1",
        site.url + "q",
    }

    for bad, why in (
        (("--strip-param", "id=1"), "invalid parameter rule: 'id=1' is not a query parameter"),
        (("--resolve", "shop.test"), "expected HOST:ADDRESS"),
        (("--resolve", "shop.test:nowhere"), "'nowhere' (for shop.test) is not an IP address"),
    ):
        refused = siteaudit("scan", site.url, "--quiet", *bad)
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_the_links_export_lists_every_link_where_it_sits_and_what_it_answered(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path
) -> None:
    home = (
        '<nav><a href="/docs">Docs</a></nav><p><a href="/gone">=HYPERLINK("x")</a></p>'
        '<footer><a href="/docs">Docs again</a></footer>'
    )
    site = serve({"/": html(home), "/docs": html("docs")})
    assert siteaudit("scan", site.url, "--quiet").returncode == 0

    printed = siteaudit("links", "1")
    assert printed.returncode == 0, printed.stderr
    written = siteaudit("links", "1", "--out", "links.csv")
    assert written.returncode == 0 and "2 links written to links.csv" in written.stderr
    text = (workdir / "links.csv").read_bytes().decode("utf-8")
    assert "\r\n" in text  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows == list(csv.DictReader(io.StringIO(printed.stdout)))
    assert [(r["target"], r["text"], r["position"], r["target_status"]) for r in rows] == [
        (site.url + "docs", "Docs", "navigation", "200"),
        (site.url + "gone", '\'=HYPERLINK("x")', "content", "404"),  # inert in a spreadsheet
    ]
    missing = siteaudit("links", "7")
    assert missing.returncode == 2 and "no scan with id 7" in missing.stderr
