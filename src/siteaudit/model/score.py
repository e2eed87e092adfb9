"""Scores: 0-100 per category and for the site (formula in docs/scoring.md)."""

from __future__ import annotations

from dataclasses import dataclass

from siteaudit.model.spec import Category


@dataclass(frozen=True, slots=True)
class CategoryScore:
    """One category's score, or None when no check of it applied to any page."""

    category: Category
    score: float | None
    checks: int
    failed_checks: int
    findings: int


@dataclass(frozen=True, slots=True)
class Scores:
    """The site score and the per-category scores it is made of."""

    site: float | None
    categories: tuple[CategoryScore, ...]

    def for_category(self, category: Category) -> CategoryScore | None:
        """The score of `category`, None when it is not scored."""
        return next((c for c in self.categories if c.category == category), None)
