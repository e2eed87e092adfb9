"""Analysis: page checks per page, site checks over the crawl, crashes isolated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.unit.pipeline.factories import URL, make_page, make_site, make_site_page

from siteaudit.checks.base import (
    Applies,
    Check,
    CheckContext,
    Docs,
    Failed,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
    site_check,
)
from siteaudit.model import Category, Finding, Page, Severity
from siteaudit.model.site import Site
from siteaudit.pipeline.analysis import (
    MAX_EVIDENCE,
    MAX_PAGE_FINDINGS,
    MORE_LOCATOR,
    SITE_BATCH,
    PageAnalyzer,
    analyze_site,
)

DOCS = Docs(what="w", why="y", fix="f")


def make_check(fn: object, *, id: str = "probe", applies: Applies = Applies.HTML) -> Check:
    """A page check around `fn(page, ctx)`."""
    return check(
        id=id,
        category=Category.CONTENT,
        severity=Severity.LOW,
        title="t",
        failure_title="f",
        docs=DOCS,
        applies=applies,
        options={"limit": Option(3, "a threshold")},
    )(fn)  # type: ignore[arg-type]


def make_site_check(fn: object, *, id: str) -> Check:
    """A site check around `fn(site, ctx)`."""
    return site_check(
        id=id,
        category=Category.LINKS,
        severity=Severity.HIGH,
        title="t",
        failure_title="f",
        docs=DOCS,
    )(fn)  # type: ignore[arg-type]


def crash(page: Page, ctx: CheckContext) -> Result:
    raise ValueError("bad page")


def always_fail(page: Page, ctx: CheckContext) -> Result:
    return failed("Broken.", evidence="x" * 2_000, locator="#a")


def test_a_crashing_check_is_an_error_and_not_applicable_while_the_others_still_run() -> None:
    analyzer = PageAnalyzer([make_check(crash, id="crash"), make_check(always_fail)], URL)
    analysis = analyzer.analyze(make_page())
    assert analysis.errors == (("crash", "ValueError: bad page"),)
    assert analysis.not_applicable == ("crash",)
    assert [f.check_id for f in analysis.findings] == ["probe"]


def test_a_check_that_raises_while_generating_failures_is_isolated_too() -> None:
    def lazy(page: Page, ctx: CheckContext) -> Iterator[Failed]:
        yield failed("first")
        raise KeyError("late")

    analysis = PageAnalyzer([make_check(lazy)], URL).analyze(make_page())
    assert analysis.findings == ()
    assert analysis.errors == (("probe", "KeyError: 'late'"),)


def test_a_failure_becomes_a_finding_with_the_page_url_and_bounded_evidence() -> None:
    (finding,) = PageAnalyzer([make_check(always_fail)], URL).analyze(make_page()).findings
    assert (finding.check_id, finding.url, finding.message, finding.locator) == (
        "probe",
        URL,
        "Broken.",
        "#a",
    )
    assert (finding.category, finding.severity) == (Category.CONTENT, Severity.LOW)
    assert len(finding.evidence) == MAX_EVIDENCE and finding.evidence.endswith("…")


def test_not_applicable_lists_only_checks_that_said_so_on_an_eligible_page() -> None:
    checks = [
        make_check(lambda page, ctx: not_applicable(), id="skips"),
        make_check(lambda page, ctx: passed(), id="passes"),
        make_check(lambda page, ctx: [], id="empty-list-passes"),
    ]
    analysis = PageAnalyzer(checks, URL).analyze(make_page())
    assert analysis.not_applicable == ("skips",)
    assert analysis.findings == () and analysis.errors == ()


def test_html_checks_are_neither_run_nor_counted_on_non_html_pages() -> None:
    html_check = make_check(crash, id="html-only")
    response_check = make_check(always_fail, id="every-response", applies=Applies.RESPONSE)
    page = make_page(is_html=False, status=None, error_code="timeout")
    analysis = PageAnalyzer([html_check, response_check], URL).analyze(page)
    assert analysis.errors == () and analysis.not_applicable == ()
    assert [f.check_id for f in analysis.findings] == ["every-response"]


def test_checks_receive_their_option_defaults_and_the_start_url() -> None:
    seen: list[tuple[object, str]] = []

    def spy(page: Page, ctx: CheckContext) -> Result:
        seen.append((ctx.option("limit"), ctx.start_url))
        return passed()

    PageAnalyzer([make_check(spy)], "https://example.com/").analyze(make_page())
    assert seen == [(3, "https://example.com/")]


def test_site_checks_report_on_the_page_they_name_and_crashes_are_isolated() -> None:
    def names_pages(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        for page in site.pages:
            yield failed("Odd page.", url=page.url)

    def explodes(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        raise RuntimeError("boom")

    checks = [make_site_check(explodes, id="explodes"), make_site_check(names_pages, id="names")]
    site = make_site([make_site_page(URL + "/a"), make_site_page(URL + "/b")])
    analysis = analyze_site(site, checks, URL)
    assert analysis.errors == (("explodes", "RuntimeError: boom"),)
    assert [(f.check_id, f.url) for f in analysis.findings] == [
        ("names", URL + "/a"),
        ("names", URL + "/b"),
    ]


def test_a_sink_receives_site_findings_in_bounded_batches_as_checks_yield_them() -> None:
    def many(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        for n in range(2 * SITE_BATCH + 7):
            yield failed("Many.", url=f"{URL}/{n}")

    def half_then_boom(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        yield failed("Before the crash.", url=URL + "/x")
        raise RuntimeError("boom")

    batches: list[list[str]] = []
    checks = [make_site_check(many, id="many"), make_site_check(half_then_boom, id="boom")]
    analysis = analyze_site(
        make_site([]), checks, URL, sink=lambda b: batches.append([f.url for f in b])
    )
    assert analysis.findings == ()  # handed over, not kept
    assert analysis.errors == (("boom", "RuntimeError: boom"),)
    assert [len(batch) for batch in batches] == [SITE_BATCH, SITE_BATCH, 7, 1]
    assert batches[0][0] == URL + "/0"
    assert batches[-1] == [URL + "/x"]  # what a crashed check yielded is kept


def test_page_and_site_runners_ignore_each_others_checks() -> None:
    page_check = make_check(always_fail)
    site_only = make_site_check(lambda site, ctx: [failed("x", url=URL)], id="site")
    assert PageAnalyzer([site_only], URL).analyze(make_page()).findings == ()
    assert analyze_site(make_site([]), [page_check], URL).findings == ()


def test_a_check_lists_at_most_max_page_findings_on_a_page_and_counts_the_rest() -> None:
    # A page's elements are the site's to multiply: 50,000 images without alt text were
    # 50,000 findings from one page.
    def per_element(page: Page, ctx: CheckContext) -> Iterator[Failed]:
        for i in range(MAX_PAGE_FINDINGS + 150):
            yield failed(f"Element {i} fails.", locator=f"#e{i}")

    findings = PageAnalyzer([make_check(per_element)], URL).analyze(make_page()).findings
    assert len(findings) == MAX_PAGE_FINDINGS + 1
    assert [f.locator for f in findings[:3]] == ["#e0", "#e1", "#e2"]
    more = findings[-1]
    assert (more.check_id, more.url, more.severity) == ("probe", URL, Severity.LOW)
    assert more.message.startswith("150 more failures of this check on this page")
    assert more.locator == MORE_LOCATOR  # one fingerprint across scans, whatever the count


def test_a_check_at_the_limit_lists_every_finding() -> None:
    def per_element(page: Page, ctx: CheckContext) -> Iterator[Failed]:
        for i in range(MAX_PAGE_FINDINGS):
            yield failed(f"Element {i} fails.", locator=f"#e{i}")

    findings = PageAnalyzer([make_check(per_element)], URL).analyze(make_page()).findings
    assert [f.locator for f in findings] == [f"#e{i}" for i in range(MAX_PAGE_FINDINGS)]


@pytest.mark.parametrize("sunk", [False, True], ids=["kept", "sunk"])
def test_a_site_check_lists_at_most_max_page_findings_per_page_it_names(sunk: bool) -> None:
    # A page of 10,000 links to missing pages was 10,000 broken-link findings.
    def per_link(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        for i in range(MAX_PAGE_FINDINGS + 150):
            yield failed(f"Link {i} is broken.", url=URL + "/hub", locator=f"link {i}")
            if i < 3:
                yield failed("Its one link is broken.", url=f"{URL}/leaf{i}")

    sunk_batches: list[Finding] = []
    sink = sunk_batches.extend if sunk else None
    checks = [make_site_check(per_link, id="per-link")]
    analysis = analyze_site(make_site([]), checks, URL, sink=sink)
    findings = sunk_batches if sunk else list(analysis.findings)
    hub = [f for f in findings if f.url == URL + "/hub"]
    assert len(hub) == MAX_PAGE_FINDINGS + 1
    assert [f.locator for f in hub[:2]] == ["link 0", "link 1"]
    assert hub[-1].locator == MORE_LOCATOR
    assert hub[-1].message.startswith("150 more failures of this check on this page")
    assert sorted(f.url for f in findings if f.url != URL + "/hub") == [
        f"{URL}/leaf{i}" for i in range(3)
    ]
