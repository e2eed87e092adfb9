"""TLS from the real CLI: a site on 127.0.0.1 served over https with a certificate from a
private CA (trustme), reached under its host name (--resolve)."""

from __future__ import annotations

import json
import sqlite3
import ssl
import subprocess
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import trustme
from tests.support.sites import Site, html

Run = Callable[..., subprocess.CompletedProcess[str]]
PINS = ["--resolve", "shop.test:127.0.0.1", "--resolve", "other.test:127.0.0.1"]


def home(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    """The home page: a link to /about, and one to the same server as other.test."""
    port = str(handler.headers["Host"]).rsplit(":", 1)[1]
    links = f'<a href="/about">About</a><a href="https://other.test:{port}/">Other</a>'
    return html(links, "Shop")(handler)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def shop(ca: trustme.CA) -> Iterator[str]:
    """https://shop.test:PORT/, its certificate (for shop.test and other.test) issued by
    `ca`, which no system trusts."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("shop.test", "other.test").configure_cert(context)
    routes = {"/": home, "/about": html("<p>About us</p>", "About")}
    with Site(routes, tls=context) as site:
        yield site.url.replace("127.0.0.1", "shop.test")


def test_a_certificate_no_trusted_ca_signed_fails_the_scan_and_says_why(
    siteaudit: Run, shop: str
) -> None:
    result = siteaudit("scan", shop, *PINS, "--json")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"siteaudit: error: scan failed: could not reach {shop}: robots.txt unreachable"
        " (tls-failed: the TLS certificate of shop.test does not verify (unable to get local"
        " issuer certificate): trust its CA with --ca-bundle FILE (crawl.ca_bundle), or audit"
        " it unverified with --insecure (crawl.verify_tls = false))"
    ), result.stderr


def test_a_ca_bundle_makes_the_private_ca_trusted(
    siteaudit: Run, shop: str, ca: trustme.CA, workdir: Path
) -> None:
    bundle = workdir / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    result = siteaudit("scan", shop, *PINS, "--ca-bundle", str(bundle), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["pages"], summary["notices"]) == ("completed", 2, [])


def test_insecure_audits_the_site_unverified_says_so_and_still_verifies_other_sites(
    siteaudit: Run, shop: str, workdir: Path, cli_env: dict[str, str]
) -> None:
    cli_env["SITEAUDIT_CRAWL__CHECK_EXTERNAL"] = "true"  # other.test: this same server
    result = siteaudit("scan", shop, *PINS, "--insecure", "--json", "--out", "out")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["pages"]) == ("completed", 2)
    assert summary["notices"] == [
        "The site's TLS certificates were not verified (--insecure): its pages were audited"
        " as if their certificates were valid."
    ]
    report = json.loads((workdir / "out" / "report.json").read_text())
    assert report["scan"]["notices"] == summary["notices"]  # the report keeps what was said
    (other,) = (f for f in report["findings"] if f["check_id"] == "external-link-broken")
    # Another site's certificate is verified as always.
    elsewhere = shop.replace("shop.test", "other.test")
    assert other["evidence"] == f"{elsewhere} could not be reached (tls-failed) (link text 'Other')"
    db = sqlite3.connect(workdir / "scans.db")
    try:
        (spec,) = db.execute("select spec from scans").fetchone()
    finally:
        db.close()
    assert json.loads(spec)["verify_tls"] is False  # a resumed run verifies as this one did


def test_a_ca_bundle_that_holds_no_certificate_is_refused_before_the_scan(
    siteaudit: Run, shop: str, workdir: Path
) -> None:
    bundle = workdir / "empty.pem"
    bundle.write_text("not a certificate\n")
    result = siteaudit("scan", shop, *PINS, "--ca-bundle", str(bundle))
    assert result.returncode == 2
    assert "--ca-bundle: cannot read CA certificates from" in result.stderr
    missing = siteaudit("scan", shop, "--ca-bundle", str(workdir / "missing.pem"))
    assert missing.returncode == 2 and "cannot read CA certificates" in missing.stderr


def test_https_to_a_server_speaking_plain_http_says_it_may_be_http(
    siteaudit: Run, serve: Callable[..., Site]
) -> None:
    # OpenSSL's words for it were "[SSL: WRONG_VERSION_NUMBER] wrong version number".
    site = serve({"/": html("<p>plain</p>", "Plain")})
    url = site.url.replace("http://", "https://")
    port = url.rsplit(":", 1)[1].rstrip("/")
    result = siteaudit("scan", url, "--quiet")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"siteaudit: error: scan failed: could not reach {url}: robots.txt unreachable"
        f" (tls-failed: TLS failed: the server at 127.0.0.1:{port} answered without TLS (is"
        " the URL http:// rather than https://?))"
    )
