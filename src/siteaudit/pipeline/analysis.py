"""Analysis: run the check catalogue over one `Page` (page checks) or the crawl (site checks).

A check that raises never stops a scan: its exception becomes an *error* entry for that page
and the check counts as not applicable there, so a bug in one rule costs one rule's score on
one page, nothing more.

Applicability follows `Applies`: HTML checks see only pages with `is_html` (and are simply
not counted on the others, since scoring counts them against HTML pages only); RESPONSE
checks see every URL. `not_applicable` lists the checks that were eligible for the page but
said `NotApplicable` (or crashed), which the aggregate phase subtracts from the counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from siteaudit.checks.base import (
    PASSED,
    Applies,
    Check,
    Failed,
    NotApplicable,
    Result,
    outcomes,
)
from siteaudit.model import Finding, Page
from siteaudit.model.site import Site

logger = logging.getLogger(__name__)

MAX_EVIDENCE = 500
# Site findings handed to a sink at a time (bounds memory on huge sites).
SITE_BATCH = 5000
MAX_MESSAGE = 1_000
MAX_ERROR = 500
MAX_LOCATOR = 500
# Findings one check lists for one page (a page check for its page, a site check for the
# page each finding names); the rest are counted in one more finding. A page's elements are
# the site's to multiply: 50,000 <img> without alt (a 1 MB page) were 50,000 findings, 20 MB
# of JSON report from one page, and a page of 10,000 links to missing pages as many
# `broken-link` findings. No corpus page comes near (the most is 39: link names on the
# PostgreSQL manual's glossary).
MAX_PAGE_FINDINGS = 100
MORE_LOCATOR = "(more not listed)"


@dataclass(frozen=True, slots=True)
class PageAnalysis:
    """What the page checks said about one page."""

    findings: tuple[Finding, ...]
    not_applicable: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]  # (check id, "ExceptionType: message")


@dataclass(frozen=True, slots=True)
class SiteAnalysis:
    """What the site checks said about the whole crawl."""

    findings: tuple[Finding, ...]
    errors: tuple[tuple[str, str], ...]


class PageAnalyzer:
    """Runs a fixed set of page checks over pages; contexts are built once, not per page."""

    def __init__(self, checks: Sequence[Check], start_url: str) -> None:
        """Keep the page checks of `checks`, each with its context for `start_url`."""
        eligible = tuple(
            (item, item.page_fn, item.context(start_url=start_url))
            for item in checks
            if item.page_fn is not None
        )
        self._every_check = eligible
        # A page that is not an HTML document only gets the checks about responses.
        self._response_checks = tuple(c for c in eligible if c[0].applies is not Applies.HTML)

    def analyze(self, page: Page) -> PageAnalysis:
        """Run every eligible check on `page`; never raises because of a check."""
        findings: list[Finding] = []
        not_applicable: list[str] = []
        errors: list[tuple[str, str]] = []
        for item, fn, ctx in self._every_check if page.is_html else self._response_checks:
            try:
                result = fn(page, ctx)
                # The usual verdicts first: nothing to normalise.
                if result is PASSED:
                    continue
                if type(result) is NotApplicable:
                    not_applicable.append(item.id)
                    continue
                failures = [result] if type(result) is Failed else _failures(result)
            except Exception as exc:  # a broken rule must not break the scan
                errors.append((item.id, describe(exc)))
                not_applicable.append(item.id)
                logger.warning("check %s crashed on %s", item.id, page.url, exc_info=True)
                continue
            if failures is None:
                not_applicable.append(item.id)
            else:
                findings.extend(
                    make_finding(item, page.url, f) for f in failures[:MAX_PAGE_FINDINGS]
                )
                if len(failures) > MAX_PAGE_FINDINGS:
                    findings.append(_more(item, page.url, len(failures) - MAX_PAGE_FINDINGS))
        return PageAnalysis(tuple(findings), tuple(not_applicable), tuple(errors))


def analyze_site(
    site: Site,
    checks: Sequence[Check],
    start_url: str,
    *,
    sink: Callable[[Sequence[Finding]], None] | None = None,
) -> SiteAnalysis:
    """Run the site checks of `checks` over the crawl; a crashing check becomes an error.

    With a `sink`, findings are handed to it in batches of SITE_BATCH as checks yield them
    and the result holds none (a check can fail on every page of a 100,000-page site); a
    check that crashes part-way keeps the findings it had already yielded.
    """
    findings: list[Finding] = []
    errors: list[tuple[str, str]] = []
    for item in checks:
        if item.site_fn is None:
            continue
        batch: list[Finding] = []
        per_page: Counter[str] = Counter()  # failures so far by the page they name
        try:
            for failure in item.site_fn(site, item.context(start_url=start_url)):
                url = failure.url or site.start_url
                per_page[url] += 1
                if per_page[url] > MAX_PAGE_FINDINGS:
                    continue
                batch.append(make_finding(item, url, failure))
                if sink is not None and len(batch) >= SITE_BATCH:
                    sink(batch)
                    batch = []
        except Exception as exc:  # a broken rule must not break the scan
            errors.append((item.id, describe(exc)))
            logger.warning("site check %s crashed", item.id, exc_info=True)
            if sink is None:
                continue  # without a sink nothing was kept from a crashed check
        batch.extend(
            _more(item, url, count - MAX_PAGE_FINDINGS)
            for url, count in per_page.items()
            if count > MAX_PAGE_FINDINGS
        )
        if sink is None:
            findings.extend(batch)
        elif batch:
            sink(batch)
    return SiteAnalysis(tuple(findings), tuple(errors))


def _failures(result: Result) -> list[Failed] | None:
    """The failures in one check's result on one page, or None when it does not apply."""
    # Materialise inside the caller's try: a generator check raises only when iterated.
    results = outcomes(result)
    if results and all(isinstance(r, NotApplicable) for r in results):
        return None
    return [r for r in results if isinstance(r, Failed)]


def make_finding(item: Check, default_url: str, failure: Failed) -> Finding:
    """The stored form of one failure: bounded texts, the check's category and severity."""
    return Finding(
        check_id=item.id,
        category=item.category,
        severity=item.severity,
        url=failure.url or default_url,
        message=truncate(failure.message, MAX_MESSAGE),
        evidence=truncate(failure.evidence, MAX_EVIDENCE),
        locator=truncate(failure.locator, MAX_LOCATOR),
    )


def _more(item: Check, url: str, hidden: int) -> Finding:
    """One finding counting the failures of `item` on the page past `MAX_PAGE_FINDINGS`."""
    message = (
        f"{hidden:,} more failures of this check on this page are not listed one by one"
        f" (a check lists at most {MAX_PAGE_FINDINGS} per page); fix those above first."
    )
    return make_finding(item, url, Failed(message, locator=MORE_LOCATOR))


def describe(exc: BaseException) -> str:
    """`ExceptionType: message`, bounded, for the error column of a page."""
    return truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
