"""Runs one fixture of tests/fixtures/pages through extraction and the one check it is for.

Page checks: `<name>.html` is the body, an optional sidecar `<name>.json` gives the HTTP facts
({"url", "final_url", "status", "headers", "redirects", "error_code", "error_message",
"content_type"}). Site checks: `<name>.json` describes the crawl ({"start_url", "pages",
"links"}; page fields as in `SitePage`, defaulting to a working HTML page).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.unit.pipeline.factories import URL, make_site, make_site_page

from siteaudit.checks.base import Check
from siteaudit.model import FetchedPage, RedirectHop
from siteaudit.model.site import SiteLink
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
    headers = {k.lower(): v for k, v in facts.get("headers", {}).items()}
    headers.setdefault("content-type", facts.get("content_type", "text/html; charset=utf-8"))
    status = facts.get("status", 200)
    return FetchedPage(
        url=url,
        final_url=facts.get("final_url", url),
        status=status,
        headers=tuple(headers.items()) if status is not None else (),
        body=path.read_bytes() if status is not None else b"",
        redirects=tuple(RedirectHop(**hop) for hop in facts.get("redirects", [])),
        encoding="utf-8",
        error_code=facts.get("error_code"),
        error_message=facts.get("error_message"),
    )


def load_site(path: Path) -> Any:
    """The crawl a site fixture describes."""
    spec = json.loads(path.read_text())
    pages = [make_site_page(**page) for page in spec["pages"]]
    links = [SiteLink(**link) for link in spec.get("links", [])]
    return make_site(pages, links, start_url=spec.get("start_url", URL))
