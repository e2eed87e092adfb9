import pytest

from siteaudit.checks.scoring import CheckTally, score
from siteaudit.model import Category, Severity


def tally(
    check_id: str, category: Category, severity: Severity, applicable: int, failing: int
) -> CheckTally:
    return CheckTally(check_id, category, severity, applicable, failing, failing)


def test_a_site_with_no_failures_scores_100() -> None:
    scores = score([tally("a", Category.ON_PAGE, Severity.HIGH, 10, 0)])
    assert scores.site == 100.0


def test_category_score_is_the_severity_weighted_pass_rate() -> None:
    scores = score(
        [
            tally("a", Category.ON_PAGE, Severity.HIGH, 10, 5),  # weight 5, rate 0.5
            tally("b", Category.ON_PAGE, Severity.LOW, 10, 0),  # weight 1, rate 1.0
        ]
    )
    on_page = scores.for_category(Category.ON_PAGE)
    assert on_page is not None
    assert on_page.score == pytest.approx(100 * (5 * 0.5 + 1 * 1.0) / 6, abs=0.05)


def test_checks_that_applied_nowhere_are_not_scored() -> None:
    scores = score([tally("a", Category.SECURITY, Severity.HIGH, 0, 0)])
    security = scores.for_category(Category.SECURITY)
    assert security is not None and security.score is None
    assert scores.site is None


def test_site_score_weights_categories() -> None:
    scores = score(
        [
            tally("a", Category.HTTP, Severity.HIGH, 10, 10),  # 0, weight 3
            tally("b", Category.AI_READINESS, Severity.HIGH, 10, 0),  # 100, weight 0.5
        ]
    )
    assert scores.site == pytest.approx(100 * 0.5 / 3.5, abs=0.05)
