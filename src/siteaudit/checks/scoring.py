"""The scoring profile: severity and category weights, and the published formula.

See docs/scoring.md. For each check, pass rate = 1 - failing pages / applicable pages. A
category's score is the severity-weighted mean of its checks' pass rates, times 100. The
site score is the category-weighted mean of the scored categories. A check that applied to
no page is N/A and takes no part; a category with no applicable check is N/A too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from siteaudit.model import Category, CategoryScore, Scores, Severity

SEVERITY_WEIGHTS: Mapping[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 3.0,
    Severity.LOW: 1.0,
    Severity.INFO: 0.0,
}

CATEGORY_WEIGHTS: Mapping[Category, float] = {
    Category.CRAWLABILITY: 3.0,
    Category.HTTP: 3.0,
    Category.ON_PAGE: 2.0,
    Category.LINKS: 2.0,
    Category.CONTENT: 1.5,
    Category.IMAGES: 1.0,
    Category.STRUCTURED_DATA: 1.0,
    Category.INTERNATIONAL: 1.0,
    Category.SITEMAPS: 1.0,
    Category.PERFORMANCE: 1.5,
    Category.SECURITY: 2.0,
    Category.ACCESSIBILITY: 1.5,
    Category.AI_READINESS: 0.5,
}


@dataclass(frozen=True, slots=True)
class CheckTally:
    """How one check did over a scan."""

    check_id: str
    category: Category
    severity: Severity
    applicable: int
    failing: int
    findings: int

    @property
    def pass_rate(self) -> float | None:
        """Share of applicable pages that pass; None when the check applied nowhere."""
        if self.applicable <= 0:
            return None
        return max(0.0, 1.0 - min(self.failing, self.applicable) / self.applicable)


def score(tallies: list[CheckTally]) -> Scores:
    """Category and site scores from per-check tallies (rounded to one decimal)."""
    categories = []
    for category in Category:
        own = [t for t in tallies if t.category == category]
        categories.append(_category_score(category, own))
    weighted = [(CATEGORY_WEIGHTS[c.category], c.score) for c in categories if c.score is not None]
    total = sum(weight for weight, _ in weighted)
    site = _one_decimal(sum(w * s for w, s in weighted) / total) if total else None
    return Scores(site=site, categories=tuple(categories))


def _category_score(category: Category, tallies: list[CheckTally]) -> CategoryScore:
    rated = [(SEVERITY_WEIGHTS[t.severity], t.pass_rate) for t in tallies]
    scored = [(w, r) for w, r in rated if r is not None and w > 0]
    total = sum(w for w, _ in scored)
    value = _one_decimal(100.0 * sum(w * r for w, r in scored) / total) if total else None
    return CategoryScore(
        category=category,
        score=value,
        checks=sum(1 for t in tallies if t.applicable > 0),
        failed_checks=sum(1 for t in tallies if t.failing > 0),
        findings=sum(t.findings for t in tallies),
    )


def _one_decimal(value: float) -> float:
    """`value` rounded to one decimal, where only a perfect score rounds to 100: 99.97 is
    99.9, so that 100 always means that nothing scored failed."""
    return round(value, 1) if value >= 100.0 else min(round(value, 1), 99.9)
