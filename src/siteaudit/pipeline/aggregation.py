"""Aggregation: per-check tallies from stored counts, then the published scores."""

from __future__ import annotations

from siteaudit.checks.base import Applies
from siteaudit.checks.catalogue import Catalogue
from siteaudit.checks.scoring import CheckTally, score
from siteaudit.model import Scores
from siteaudit.pipeline.ports import CheckStats


def tally(catalogue: Catalogue, stats: CheckStats) -> list[CheckTally]:
    """How each check did: pages it applied to, pages failing it, findings it raised.

    A check that needs what the scan did not gather (`CheckStats.missing_inputs`), or a
    site check that crashed, applied to no page: it was not run, which is not passing. A
    check of the site as a whole (`Check.whole_site`) is one unit: it applies once and fails
    once, so a broken sitemap weighs as much on a site of 10,000 pages as on one of 10.
    """
    tallies = []
    for item in catalogue:
        eligible = stats.response_pages if item.applies == Applies.RESPONSE else stats.html_pages
        applicable = max(0, eligible - stats.not_applicable.get(item.id, 0))
        failing = stats.failing_pages.get(item.id, 0)
        if item.needs & stats.missing_inputs or item.id in stats.crashed_site_checks:
            applicable = 0
        if item.whole_site:
            applicable, failing = min(applicable, 1), min(failing, 1)
        tallies.append(
            CheckTally(
                check_id=item.id,
                category=item.category,
                severity=item.severity,
                applicable=applicable,
                failing=failing,
                findings=stats.findings.get(item.id, 0),
            )
        )
    return tallies


def aggregate(catalogue: Catalogue, stats: CheckStats) -> Scores:
    """The site and category scores of a scan (formula in docs/scoring.md)."""
    return score(tally(catalogue, stats))


def scores_to_dict(scores: Scores) -> dict[str, object]:
    """A JSON-ready form of `scores` for storage."""
    return {
        "site": scores.site,
        "categories": [
            {
                "category": c.category.value,
                "score": c.score,
                "checks": c.checks,
                "failed_checks": c.failed_checks,
                "findings": c.findings,
            }
            for c in scores.categories
        ],
    }
