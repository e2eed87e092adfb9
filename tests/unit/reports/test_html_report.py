"""The HTML report: escaped, self-contained, script-free, and complete for a reader."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.bccache import Bucket
from tests.unit.reports.report_factory import (
    make_check,
    make_finding,
    make_page,
    make_report,
    make_scores,
)

from siteaudit.model import Severity
from siteaudit.reports import render_html
from siteaudit.reports.charts import format_score
from siteaudit.reports.html_report import TEMPLATE, _TemplateCache, environment
from siteaudit.reports.html_view import ISSUE_URL_LIMIT, grade, make_view, safe_href

XSS = "<script>alert(1)</script>"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VOID = {"meta", "br", "rect", "circle", "img", "hr", "input", "link", "col", "wbr"}


class TagAudit(HTMLParser):
    """Collects headings, links, unclosed tags and every resource-loading attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.mismatched: list[str] = []
        self.headings: list[int] = []
        self.anchors: list[dict[str, str | None]] = []
        self.resources: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.anchors.append(values)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "action", "data", "poster", "xlink:href"}:
                self.resources.append((tag, name, value or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.mismatched.append(tag)
            return
        self.stack.pop()


def audit(html: str) -> TagAudit:
    parser = TagAudit()
    parser.feed(html)
    parser.close()
    return parser


def test_html_shows_a_script_page_title_as_escaped_text() -> None:
    html = render_html(make_report(pages=(make_page(title=XSS),)))

    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_shows_script_in_finding_evidence_and_message_as_escaped_text() -> None:
    finding = make_finding(message=f"message {XSS}", evidence=f"evidence {XSS}")
    html = render_html(make_report(findings=(finding,)))

    assert XSS not in html
    assert "message &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "evidence &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_escapes_markup_and_quotes_in_crawled_urls() -> None:
    url = f'https://example.com/?q="><{XSS[1:]}'
    report = make_report(
        pages=(make_page(url),),
        findings=(make_finding(url=url),),
    )
    html = render_html(report)

    assert XSS not in html
    assert '"><script' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_escapes_markup_in_check_metadata_and_scan_errors() -> None:
    check = make_check(failure_title=XSS, why=XSS, how_to_fix=XSS)
    report = make_report(
        scan=replace(make_report().scan, error=XSS),
        findings=(make_finding(),),
        checks={"title": check},
    )

    assert XSS not in render_html(report)


def test_html_never_links_javascript_or_data_urls() -> None:
    findings = (
        make_finding(url="javascript:alert(1)"),
        make_finding(url=" JavaScript:alert(2)"),
        make_finding(url="data:text/html,<b>x</b>"),
    )
    html = render_html(make_report(findings=findings, pages=(make_page("javascript:alert(3)"),)))
    hrefs = [anchor.get("href") or "" for anchor in audit(html).anchors]

    assert not [h for h in hrefs if not h.startswith(("#", "https://"))]
    assert "javascript:alert(1)" in html  # still shown, as text


def test_html_links_crawled_urls_with_nofollow_noopener_noreferrer() -> None:
    anchors = audit(render_html(make_report())).anchors
    external = [a for a in anchors if (a.get("href") or "").startswith("http")]

    assert external
    assert all(a.get("rel") == "nofollow noopener noreferrer" for a in external)


def test_html_loads_no_external_resources() -> None:
    html = render_html(make_report())
    tags = audit(html)
    loaded = [(tag, attr, value) for tag, attr, value in tags.resources if tag != "a"]

    assert not [r for r in loaded if re.match(r"\s*(https?:)?//", r[2], re.IGNORECASE)]
    without_links = re.sub(r"<a\s[^>]*>", "", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", without_links, re.I)
    assert not re.search(r"url\(|@import|<link\b|<script\b|<iframe\b|<object\b", html, re.I)
    assert "<img" not in html


def test_html_carries_a_strict_content_security_policy() -> None:
    html = render_html(make_report())
    head = html.split("</head>", 1)[0]

    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}' in head
    assert head.index("Content-Security-Policy") < head.index("<style>")


def test_html_is_balanced_and_declares_its_language() -> None:
    html = render_html(make_report())
    tags = audit(html)

    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert tags.mismatched == []
    assert tags.stack == []


def test_html_headings_start_at_one_and_never_skip_a_level() -> None:
    levels = audit(render_html(make_report())).headings

    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_html_survives_nul_bytes_and_lone_surrogates() -> None:
    nasty = "bad\x00title\ud800\x1b[31m"
    report = make_report(
        pages=(make_page(title=nasty, url="https://example.com/\udfff"),),
        findings=(make_finding(evidence=nasty, message=nasty),),
    )
    html = render_html(report)

    assert "\x00" not in html
    assert "\x1b" not in html
    assert "bad\ufffdtitle\ufffd\ufffd[31m" in html
    html.encode("utf-8")


def test_html_clips_huge_crawled_text() -> None:
    html = render_html(make_report(findings=(make_finding(evidence="x" * 1_000_000),)))

    assert len(html) < 100_000
    assert "x" * 299 + "\u2026" in html


def test_html_of_a_scan_without_findings_says_no_issues() -> None:
    html = render_html(make_report(findings=(), checks={}))

    assert "No check failed on any page." in html
    assert "No issues that affect the score were found." in html


def test_html_of_a_scan_without_scores_shows_not_applicable() -> None:
    html = render_html(make_report(scores=make_scores(site=None)))

    assert "Site score N/A, grade N/A" in html
    assert "The site has no score" in html


def test_html_shows_the_site_score_grade_and_category_bars() -> None:
    html = render_html(make_report())

    assert "Site score 73 out of 100, grade C" in html
    assert ">On-page SEO</text>" in html
    assert ">N/A</text>" in html  # the unscored International category


def test_html_caps_affected_urls_per_check_and_says_how_many_more() -> None:
    findings = tuple(make_finding(url=f"https://example.com/p{i}") for i in range(150))
    html = render_html(make_report(findings=findings))

    assert html.count('href="https://example.com/p') == ISSUE_URL_LIMIT
    assert "and 50 more" in html
    assert "150 findings on 150 pages" in html


def test_html_lists_fetch_errors_with_their_code_and_message() -> None:
    html = render_html(make_report())
    errors = html.split('id="errors"', 1)[1]

    assert "https://example.com/slow" in errors
    assert "<code>timeout</code>" in errors
    assert "No complete response within 30 s." in errors


def test_html_puts_the_issue_with_most_weighted_pages_first_in_the_top_issues() -> None:
    low_everywhere = tuple(
        make_finding("hsts", url=f"https://example.com/{i}", severity=Severity.LOW)
        for i in range(30)
    )
    critical_once = make_finding("broken-link", severity=Severity.CRITICAL)
    info = make_finding("note", severity=Severity.INFO)
    report = make_report(findings=(*low_everywhere, critical_once, info))
    html = render_html(report)
    top = html.split("Fix these first", 1)[1].split("</ol>", 1)[0]

    assert top.index("check-hsts") < top.index("check-broken-link")
    assert "check-note" not in top


def test_html_shows_findings_of_checks_missing_from_the_catalogue() -> None:
    html = render_html(make_report(findings=(make_finding("third-party-check"),), checks={}))

    assert 'id="check-third-party-check"' in html


@pytest.mark.parametrize(
    ("score", "letter"),
    [(None, "N/A"), (100.0, "A"), (89.5, "A"), (89.4, "B"), (70.0, "C"), (60.0, "D"), (0, "F")],
)
def test_grades_follow_the_displayed_whole_number_score(score: float | None, letter: str) -> None:
    assert grade(score) == letter


@pytest.mark.parametrize(
    ("score", "shown"),
    [(72.5, "73"), (72.4, "72"), (99.4, "99"), (99.6, "99"), (99.99, "99"), (100.0, "100")],
)
def test_a_score_reads_100_only_when_nothing_failed(score: float, shown: str) -> None:
    assert format_score(score) == shown


@pytest.mark.parametrize(
    ("url", "linkable"),
    [
        ("https://example.com/a?b=c", True),
        ("HTTP://example.com/", True),
        ("javascript:alert(1)", False),
        ("//example.com/", False),
        (" https://example.com/", False),
        ("https://exa mple.com/", False),
        ("https://example.com/\n", False),
        ("mailto:someone@example.com", False),
    ],
)
def test_only_absolute_http_urls_become_links(url: str, linkable: bool) -> None:
    assert (safe_href(url) is not None) is linkable


def _environment_with(cache: _TemplateCache | None) -> Environment:
    env = environment()
    return env.overlay(bytecode_cache=cache)


def test_compiled_templates_are_kept_and_reused_between_runs(tmp_path: Path) -> None:
    cache = _TemplateCache(str(tmp_path))
    first = _environment_with(cache).get_template(TEMPLATE)
    stored = list(tmp_path.iterdir())
    assert stored, "the compiled template was not stored"

    loads: list[bool] = []
    original = cache.load_bytecode

    def spy(bucket: Bucket) -> None:
        original(bucket)
        loads.append(bucket.code is not None)

    cache.load_bytecode = spy  # type: ignore[method-assign]
    again = _environment_with(cache).get_template(TEMPLATE)
    assert loads == [True]
    report = make_report()
    assert again.render(view=make_view(report)) == first.render(view=make_view(report))


def test_a_corrupt_or_unwritable_template_cache_is_not_used(tmp_path: Path) -> None:
    cache = _TemplateCache(str(tmp_path))
    _environment_with(cache).get_template(TEMPLATE)
    for stored in tmp_path.iterdir():
        stored.write_bytes(stored.read_bytes()[:40] + b"\x00garbage")
    assert _environment_with(cache).get_template(TEMPLATE) is not None

    gone = _TemplateCache(str(tmp_path / "missing"))  # every write fails
    assert render_html(make_report())  # the shared environment still renders
    assert _environment_with(gone).get_template(TEMPLATE) is not None
