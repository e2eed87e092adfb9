"""Links to other hosts are checked once the crawl ends, never crawled: the real CLI against
two sites on 127.0.0.1, the second one reached by another host name (localhost)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.sites import Route, Site, html

Run = Callable[..., subprocess.CompletedProcess[str]]


def no_head(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    """A server that refuses HEAD but answers GET."""
    if handler.command == "HEAD":
        return 405, {}, b""
    return 200, {"Content-Type": "text/html"}, b"<p>fine</p>"


def gone(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    return 404, {"Content-Type": "text/html"}, b"gone"


def test_broken_external_links_are_reported_on_the_pages_that_link_to_them(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    other = serve({"/ok": html("<a href='/elsewhere'>x</a>"), "/nohead": no_head, "/gone": gone})
    port = other.url.rsplit(":", 1)[1].strip("/")
    elsewhere = f"http://localhost:{port}"
    links = "".join(
        f'<a href="{url}">{name}</a>'
        for name, url in (
            ("ok", f"{elsewhere}/ok"),
            ("no head", f"{elsewhere}/nohead"),
            ("gone", f"{elsewhere}/gone"),
            ("down", "http://localhost:1/down"),  # nothing listens there
        )
    )
    site = serve({"/": html(links + '<a href="/second">2</a>'), "/second": html(links)})
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    result = siteaudit("scan", site.url, "--out", "out", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    found = sorted(
        (f["url"].removeprefix(site.url), f["locator"], f["evidence"].split(" (link text")[0])
        for f in report["findings"]
        if f["check_id"] == "external-link-broken"
    )
    down = "http://localhost:1/down could not be reached (connect-failed)"
    assert found == sorted(
        (source, *broken)
        for source in ("", "second")
        for broken in (
            (f"{elsewhere}/gone", f"{elsewhere}/gone answered HTTP 404"),
            ("http://localhost:1/down", down),
        )
    )
    # Each external URL checked once, HEAD first, GET only where HEAD was refused; nothing
    # on the other site crawled (its /ok links to /elsewhere, never requested).
    assert sorted(other.requests) == ["/gone", "/nohead", "HEAD /gone", "HEAD /nohead", "HEAD /ok"]
    counters = report["scan"]["counters"]
    assert (counters["external/checked"], counters["external/broken"]) == (4, 2)
    assert all(page["url"].startswith(site.url) for page in report["pages"])


def test_no_external_leaves_other_hosts_alone(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    other = serve({}, default=gone)
    port = other.url.rsplit(":", 1)[1].strip("/")
    site = serve({"/": html(f'<a href="http://localhost:{port}/gone">x</a>')})
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    result = siteaudit("scan", site.url, "--out", "out", "--quiet", "--no-external")
    assert result.returncode == 0, result.stderr
    assert other.requests == []
    report = json.loads((workdir / "out" / "report.json").read_text())
    assert not [f for f in report["findings"] if f["check_id"] == "external-link-broken"]


def test_a_scan_that_did_not_check_external_links_does_not_score_them_as_passed(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    other = serve({}, default=html("fine"))
    port = other.url.rsplit(":", 1)[1].strip("/")
    site = serve({"/": html(f'<a href="http://localhost:{port}/fine">x</a>')})
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"

    def links_category(*options: str) -> dict[str, object]:
        out = f"out{len(options)}"
        result = siteaudit("scan", site.url, "--out", out, "--quiet", *options)
        assert result.returncode == 0, result.stderr
        report = json.loads((workdir / out / "report.json").read_text())
        (links,) = (c for c in report["scores"]["categories"] if c["category"] == "links")
        return links

    checked, unchecked = links_category(), links_category("--no-external")
    assert other.requests == ["HEAD /fine"]  # checked once, by the first scan only
    # The same pages and findings, two checks fewer: the external links were not checked,
    # so neither of their checks (broken, unverified) passed.
    assert unchecked["checks"] == checked["checks"] - 2
    assert unchecked["findings"] == checked["findings"]


def refusing(status: int, headers: dict[str, str] | None = None) -> Route:
    """A URL whose host turns every automated request away with `status` and `headers`."""

    def answer(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "text/html", **(headers or {})}, b"go away"

    return answer


def test_a_host_that_turns_the_check_away_makes_no_broken_link_and_the_user_is_told(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    other = serve(
        {
            "/in/someone": refusing(999),  # LinkedIn's answer to every crawler
            "/limited": refusing(429),  # a rate limit to every try
            "/challenged": refusing(403, {"cf-mitigated": "challenge"}),
            "/captcha": refusing(405, {"x-amzn-waf-action": "captcha"}),
            "/forbidden": refusing(403),  # no challenge: the site's own answer
            "/gone": gone,
        }
    )
    elsewhere = f"http://localhost:{other.url.rsplit(':', 1)[1].strip('/')}"
    paths = ("/in/someone", "/limited", "/challenged", "/captcha", "/forbidden", "/gone")
    links = "".join(f'<a href="{elsewhere}{path}">{path}</a>' for path in paths)
    site = serve({"/": html(links)})
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    cli_env["SITEAUDIT_CRAWL__RETRIES"] = "0"
    result = siteaudit("scan", site.url, "--out", "out", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())

    def found(check_id: str) -> dict[str, str]:
        return {
            f["locator"].removeprefix(elsewhere): f["evidence"]
            for f in report["findings"]
            if f["check_id"] == check_id
        }

    assert sorted(found("external-link-broken")) == ["/forbidden", "/gone"]
    unverified = found("external-link-unverified")
    assert sorted(unverified) == ["/captcha", "/challenged", "/in/someone", "/limited"]
    assert "HTTP 999 (its host's refusal of automated clients)" in unverified["/in/someone"]
    assert "HTTP 429 (too many requests) to every try" in unverified["/limited"]
    assert "HTTP 403 with a bot-protection challenge" in unverified["/challenged"]
    assert "HTTP 405 with a bot-protection challenge" in unverified["/captcha"]
    counters = report["scan"]["counters"]
    assert (counters["external/checked"], counters["external/broken"]) == (6, 2)
    assert counters["external/refused"] == 4
    notice = (
        "4 URLs on other sites could not be verified: their hosts turned the check away (HTTP"
        " 999, 429 to every try, or a bot-protection challenge), which says nothing of whether"
        " a visitor reaches them. They are not reported as broken; external-link-unverified"
        " lists the links."
    )
    assert notice in json.loads(result.stdout)["notices"]
    # Informational: it weighs nothing in the score.
    assert report["checks"]["external-link-unverified"]["severity"] == "info"


def test_urls_the_scan_excludes_are_not_checked_on_any_host(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    other = serve({}, default=gone)
    elsewhere = f"http://localhost:{other.url.rsplit(':', 1)[1].strip('/')}"
    page = (
        f'<a href="{elsewhere}/gone">gone</a><a href="{elsewhere}/tracker/x">skipped</a>'
        f'<img src="{elsewhere}/tracker/pixel.gif" alt=""><img src="/tracker/own.gif" alt="">'
        '<img src="/missing.gif" alt="">'
    )
    site = serve({"/": html(page)})
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    result = siteaudit("scan", site.url, "--out", "out", "--quiet", "--exclude", "/tracker/")
    assert result.returncode == 0, result.stderr
    assert sorted(other.requests) == ["/gone", "HEAD /gone"]
    assert not [r for r in site.requests if "tracker" in r]
    report = json.loads((workdir / "out" / "report.json").read_text())
    failing = sorted(f["locator"] for f in report["findings"] if f["check_id"].endswith("-broken"))
    assert failing == sorted([f"{elsewhere}/gone", site.url + "missing.gif"])
    counters = report["scan"]["counters"]
    assert counters["external/skipped/excluded"] == 2  # the link and the other host's image
    assert counters["resources/skipped/excluded"] == 1


def test_a_redirect_to_another_site_is_not_judged_by_that_site_s_response(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    # /go redirects to a partner's page: the partner's Server header and timings are the
    # partner's, not this site's (they were reported on /go: "server: PartnerServer/9.9").
    def partner(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/html", "Server": "PartnerServer/9.9"}, b"<p>hi</p>"

    other = serve({}, default=partner)
    target = f"http://localhost:{other.url.rsplit(':', 1)[1].strip('/')}/offer"
    moved = lambda _handler: (302, {"Location": target}, b"")  # noqa: E731
    site = serve({"/": html('<a href="/go">our partner</a>'), "/go": moved})
    result = siteaudit("scan", site.url, "--out", "out", "--quiet", "--no-external")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())
    (go,) = (page for page in report["pages"] if page["url"] == site.url + "go")
    assert (go["status"], go["final_url"]) == (200, target)
    versions = {
        f["url"]: f["evidence"] for f in report["findings"] if f["check_id"] == "server-version"
    }
    assert site.url in versions  # this site's own server, "BaseHTTP/0.6 Python/3.11"
    assert site.url + "go" not in versions


def test_a_site_s_url_that_redirects_to_a_refusal_elsewhere_is_unverified_not_broken(
    siteaudit: Run, serve: Callable[..., Site], workdir: Path, cli_env: dict[str, str]
) -> None:
    # /go/linkedin, the site's own shortcut to its LinkedIn page, ended on LinkedIn's 999:
    # a broken link on every page whose footer had it. Crawled, not checked after the crawl.
    other = serve(
        {
            "/in/someone": refusing(999),
            "/limited": refusing(429),
            "/challenged": refusing(403, {"cf-mitigated": "challenge"}),
            "/gone": gone,
        }
    )
    elsewhere = f"http://localhost:{other.url.rsplit(':', 1)[1].strip('/')}"
    shortcuts = {
        f"/go{path}": lambda _handler, path=path: (302, {"Location": elsewhere + path}, b"")
        for path in ("/in/someone", "/limited", "/challenged", "/gone")
    }
    links = "".join(f'<a href="{path}">{path}</a>' for path in shortcuts)
    site = serve(
        {"/": html(links + '<a href="/second">2</a>'), "/second": html(links), **shortcuts}
    )
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"
    cli_env["SITEAUDIT_CRAWL__RETRIES"] = "0"
    result = siteaudit("scan", site.url, "--out", "out", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text())

    def found(check_id: str) -> list[tuple[str, str, str]]:
        return sorted(
            (f["url"].removeprefix(site.url), f["locator"].removeprefix(site.url), f["evidence"])
            for f in report["findings"]
            if f["check_id"] == check_id
        )

    # Only the shortcut to a missing page is broken, from both pages that link to it.
    assert [(source, target) for source, target, _ in found("broken-link")] == [
        ("", "go/gone"),
        ("second", "go/gone"),
    ]
    assert [url for url, _, _ in found("status-4xx")] == ["go/gone"]
    unverified = found("external-link-unverified")
    assert [(source, target) for source, target, _ in unverified] == [
        (source, target)
        for source in ("", "second")
        for target in ("go/challenged", "go/in/someone", "go/limited")
    ]
    evidence = {target: text for _, target, text in unverified}
    assert evidence["go/in/someone"].startswith(
        f"{site.url}go/in/someone redirects to {elsewhere}/in/someone, which answered HTTP 999"
    )
    assert f"redirects to {elsewhere}/limited, which answered HTTP 429" in evidence["go/limited"]
    assert "which answered HTTP 403 with a bot-protection challenge" in evidence["go/challenged"]
    # The shortcuts were crawled (once each), not checked again after the crawl.
    assert sorted(other.requests) == ["/challenged", "/gone", "/in/someone", "/limited"]
