"""Aggregation: per-check tallies from stored counts, then the published scores."""

from __future__ import annotations

from siteaudit.checks.base import Applies
from siteaudit.checks.catalogue import Catalogue
from siteaudit.checks.scoring import CheckTally, score
from siteaudit.model import Scores
from siteaudit.pipeline.ports import CheckStats


def tally(catalogue: Catalogue, stats: CheckStats) -> list[CheckTally]:
    """How each check did: pages it applied to, pages failing it, findings it raised.

    A check that needs what the scan did not gather (`CheckStats.missing_inputs`) applied
    to no page: it was not run, which is not passing.
    """
    tallies = []
    for item in catalogue:
        eligible = stats.response_pages if item.applies == Applies.RESPONSE else stats.html_pages
        applicable = max(0, eligible - stats.not_applicable.get(item.id, 0))
        if item.needs & stats.missing_inputs:
            applicable = 0
        tallies.append(
            CheckTally(
                check_id=item.id,
                category=item.category,
                severity=item.severity,
                applicable=applicable,
                failing=stats.failing_pages.get(item.id, 0),
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
