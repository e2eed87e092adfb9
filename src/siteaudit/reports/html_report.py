"""The HTML report: one self-contained, printable page that fetches nothing.

Safety (DESIGN.md §6): autoescaping is on for every template and nothing from a crawl is
ever marked safe; a `finalize` hook scrubs each printed value of lone surrogates and control
characters; only http(s) URLs become links (rel=nofollow noopener noreferrer); and a strict
Content-Security-Policy forbids scripts and every external load, so even a missed escape
could not run code or phone home.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import TextIO

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from siteaudit.model import Finding
from siteaudit.model.report import PageRow, ScanReport
from siteaudit.reports.html_view import ReportView, ViewCollector, make_view
from siteaudit.reports.sanitize import clean_for_html, clip

TEMPLATE = "report.html"


def render_html(report: ScanReport) -> str:
    """The report as one HTML document with inline CSS and SVG charts."""
    template = environment().get_template(TEMPLATE)
    return template.render(view=make_view(report))


def write_html(report: ScanReport, out: TextIO) -> None:
    """Write the HTML report to `out` (its size is bounded: lists are capped in the view)."""
    write_view(make_view(report), out)


def write_view(view: ReportView, out: TextIO) -> None:
    """Render a worked-out view to `out`."""
    for chunk in environment().get_template(TEMPLATE).generate(view=view):
        out.write(chunk)


class HtmlWriter:
    """The HTML report as a sink: collects the view while rows stream, renders at the end."""

    wants_pages = True

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._collector = ViewCollector()
        self._report: ScanReport | None = None

    def begin(self, report: ScanReport) -> None:
        """Remember the report the rows belong to."""
        self._report = report

    def page(self, page: PageRow) -> None:
        """Take one page."""
        self._collector.page(page)

    def pages_done(self) -> None:
        """Nothing to do between pages and findings."""

    def finding(self, finding: Finding) -> None:
        """Take one finding."""
        self._collector.finding(finding)

    def end(self) -> None:
        """Render the report."""
        assert self._report is not None, "begin() first"
        write_view(self._collector.view(self._report), self._out)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for report templates (autoescape on, undefined is an error)."""
    env = Environment(
        loader=PackageLoader("siteaudit.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_template_cache(),
    )
    env.filters["clip"] = clip
    return env


class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept from run to run; a cache that fails is simply not used.

    Compiling the report template cost each run about 25 ms. The files live in Jinja's
    per-user private temporary directory (created 0700; refused when another user owns it),
    keyed by template path and source checksum, and stamped with the Jinja and Python
    versions, so an edited template or an upgrade compiles afresh.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or corrupt: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _template_cache() -> _TemplateCache | None:
    """The bytecode cache, or None where no private cache directory can be had."""
    try:
        return _TemplateCache(pattern="siteaudit-%s.cache")
    except (OSError, RuntimeError):
        return None


def _finalize(value: object) -> object:
    """Scrub every printed value; None prints as nothing rather than 'None'."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        # Markup only comes from Jinja itself (we never mark crawled text safe).
        return Markup(clean_for_html(str(value)))
    if isinstance(value, str):
        return clean_for_html(value)
    return value
