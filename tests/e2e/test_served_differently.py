"""The planted site audited the same however it is served (tests/support/served.py).

Each variation once changed the audit of a real site: brotli pages lost their end, a body
after a HEAD answer broke the next answer on the connection, answers out of order left
pages a click too deep, a request the server dropped twice lost its page, a repeated
Content-Length made every page a protocol error, `Content-Encoding: UTF-8` a decoding
error. Pages (status, depth, how found, title, size, error, redirects) and findings
(check, path, locator) must equal those of the site served plainly; only the checks of
what the server does differently on purpose are left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.planted import PlantedSite
from tests.support.served import ServedSite, Serving

from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.settings import Settings

# What differs by design between the servings: response times (latency), and nothing else.
TIMING_CHECKS = {"ttfb-slow", "response-time"}
SERVINGS = {
    "br-chunked": Serving(coding="br", chunked=True),
    "zstd": Serving(coding="zstd"),
    "head-body": Serving(head_body=True),
    "no-keep-alive-latency": Serving(keep_alive=False, latency_ms=40),
    "drops-after-3": Serving(answers_per_connection=3),
    "drops-idle": Serving(idle_close_ms=5, latency_ms=20),
    # (Closed, not reset: the scan forks its workers in this process, see `Serving`.)
    "cuts": Serving(cut_every=4, cut_reset=False),
    # Heads HTTP/1.1 forbids and browsers forgive (crawl/lenient.py).
    "length-twice": Serving(length_twice=True),
    "length-and-chunked": Serving(chunked=True, length_twice=True),
    # A Content-Encoding browsers ignore: every page was decoding-failed.
    "labelled-utf-8": Serving(label="UTF-8"),
}
# What a serving changes on purpose, checked apart (`test_..._however_it_is_served`).
ON_PURPOSE = {"labelled-utf-8": {"content-encoding-unknown", "compression"}}

PageFacts = tuple[int | None, int, str, str | None, int, str | None, int]
Audit = tuple[dict[str, PageFacts], set[tuple[str, str, str]]]


def audit(tmp_path: Path, site: PlantedSite | ServedSite, name: str) -> Audit:
    settings = Settings(database_url=f"sqlite:///{tmp_path / name}.db")
    settings.crawl.check_external = False
    outcome = run_scan(settings, make_spec(settings, site.url, (), ()))
    base = site.base
    pages = {
        page.url.removeprefix(base): (
            page.status,
            page.depth,
            page.found_via,
            page.title,
            page.size_bytes,
            page.error_code,
            len(page.redirects),
        )
        for page in outcome.report.pages
    }
    findings = {
        (f.check_id, f.url.removeprefix(base), f.locator.replace(base, ""))
        for f in outcome.report.findings
        if f.check_id not in TIMING_CHECKS
    }
    return pages, findings


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    with PlantedSite() as site:
        return audit(tmp_path_factory.mktemp("plain"), site, "plain")


@pytest.mark.parametrize("name", list(SERVINGS))
def test_the_planted_site_is_audited_the_same_however_it_is_served(
    plain: Audit, tmp_path: Path, name: str
) -> None:
    with ServedSite(PlantedSite(), SERVINGS[name]) as site:
        pages, findings = audit(tmp_path, site, name)
    plain_pages, plain_findings = plain
    if name in ON_PURPOSE:
        differ = ON_PURPOSE[name]
        labelled = {path for check, path, _ in findings if check == "content-encoding-unknown"}
        answered = {path for path, row in pages.items() if row[0] == 200 and not row[-1]}
        assert answered and labelled >= answered
        findings = {f for f in findings if f[0] not in differ}
        plain_findings = {f for f in plain_findings if f[0] not in differ}
    assert {path: row for path, row in pages.items() if row != plain_pages.get(path)} == {}
    assert set(plain_pages) == set(pages)
    assert findings - plain_findings == set()
    assert plain_findings - findings == set()
