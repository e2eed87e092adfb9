"""Runs one fixture of tests/fixtures/pages through extraction and the one check it is for.

Page checks: `<name>.html` is the body, an optional sidecar `<name>.json` gives the HTTP facts
({"url", "final_url", "status", "headers", "redirects", "error_code", "error_message",
"content_type", "ttfb_ms", "total_ms"}; "headers" is an object or, to repeat a header such as
Set-Cookie, a list of [name, value] pairs; "content_type": null sends no Content-Type).
Site checks: `<name>.json` describes the crawl ({"start_url", "pages", "links",
"sitemap_urls", "robots_blocked", "broken_external", "unverified_external",
"broken_resources", "facts"}; page fields as in `SitePage`, defaulting to a working HTML
page; "facts" as in `SiteFacts`, with "sitemaps" a list of `SitemapInfo`;
"broken_external" and "unverified_external" lists of `BrokenExternal`,
"broken_resources" of `BrokenResource`, "large_images" of `LargeImage`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tests.unit.pipeline.factories import URL, make_site, make_site_page

from siteaudit.checks.base import Check
from siteaudit.model import FetchedPage, RedirectHop
from siteaudit.model.site import (
    BrokenExternal,
    BrokenResource,
    LargeImage,
    SiteFacts,
    SiteLink,
    SitemapInfo,
)
from siteaudit.pipeline.analysis import PageAnalyzer, analyze_site
from siteaudit.pipeline.extraction import extract
from siteaudit.pipeline.urls import host_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"


def fixture_files() -> list[Path]:
    """Every fixture (not sidecars), sorted, as `<check-id>/<pass|fail>-*.(html|json)`."""
    found = []
    for path in sorted(FIXTURES.glob("*/*")):
        is_sidecar = path.suffix == ".json" and path.with_suffix(".html").exists()
        if path.suffix in {".html", ".json"} and not is_sidecar:
            found.append(path)
    return found


def run_fixture(item: Check, path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The messages of the findings `item` raises on the fixture, and any check errors."""
    if item.is_site_check:
        site_analysis = analyze_site(load_site(path), [item], URL)
        return [f.message for f in site_analysis.findings], list(site_analysis.errors)
    fetched = load_fetched(path)
    page = extract(fetched, depth=0, is_internal=lambda url: host_of(url) == host_of(fetched.url))
    analysis = PageAnalyzer([item], fetched.url).analyze(page)
    return [f.message for f in analysis.findings], list(analysis.errors)


def load_fetched(path: Path) -> FetchedPage:
    """The response a page fixture stands for."""
    facts: dict[str, Any] = {}
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        facts = json.loads(sidecar.read_text())
    url = facts.get("url", URL)
    raw_headers = facts.get("headers", {})
    pairs = raw_headers.items() if isinstance(raw_headers, dict) else raw_headers
    headers = [(str(k).lower(), str(v)) for k, v in pairs]
    content_type = facts.get("content_type", "text/html; charset=utf-8")
    if content_type is not None and all(k != "content-type" for k, _ in headers):
        headers.append(("content-type", content_type))
    status = facts.get("status", 200)
    return FetchedPage(
        url=url,
        final_url=facts.get("final_url", url),
        status=status,
        headers=tuple(headers) if status is not None else (),
        body=path.read_bytes() if status is not None else b"",
        redirects=tuple(RedirectHop(**hop) for hop in facts.get("redirects", [])),
        encoding="utf-8",
        error_code=facts.get("error_code"),
        error_message=facts.get("error_message"),
        ttfb_ms=facts.get("ttfb_ms"),
        total_ms=facts.get("total_ms"),
    )


def load_site(path: Path) -> Any:
    """The crawl a site fixture describes."""
    spec = json.loads(path.read_text())
    pages = [make_site_page(**page) for page in spec["pages"]]
    links = [SiteLink(**link) for link in spec.get("links", [])]
    site = make_site(pages, links, start_url=spec.get("start_url", URL))
    facts = dict(spec.get("facts", {}))
    facts["sitemaps"] = tuple(SitemapInfo(**item) for item in facts.get("sitemaps", []))
    return dataclasses.replace(
        site,
        sitemap_urls=frozenset(spec.get("sitemap_urls", [])),
        robots_blocked=frozenset(spec.get("robots_blocked", [])),
        broken_external=tuple(BrokenExternal(**link) for link in spec.get("broken_external", [])),
        unverified_external=tuple(
            BrokenExternal(**link) for link in spec.get("unverified_external", [])
        ),
        broken_resources=tuple(
            BrokenResource(**resource) for resource in spec.get("broken_resources", [])
        ),
        large_images=tuple(LargeImage(**image) for image in spec.get("large_images", [])),
        facts=SiteFacts(**facts),
    )
