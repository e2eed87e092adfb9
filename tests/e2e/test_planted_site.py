"""A whole scan of the planted-problem site finds what was planted, and little else.

The site (tests/fixtures/sites/planted/, written by its build.py) plants problems for more
than a hundred checks on otherwise clean pages; answers.json is the key. Findings are compared
as (check id, path, locator) with the server's own address removed, so the key does not
depend on the port.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.planted import SITE, PlantedSite

Run = Callable[..., subprocess.CompletedProcess[str]]
Item = tuple[str, str, str]
THRESHOLD = 0.98


@pytest.fixture
def planted() -> Iterator[PlantedSite]:
    with PlantedSite() as site:
        yield site


def load_key() -> set[Item]:
    answers = json.loads((SITE / "answers.json").read_text(encoding="utf-8"))
    return {(a["check_id"], a["path"], a["locator"]) for a in answers}


def found_items(report: dict[str, object], base: str) -> set[Item]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {
        (f["check_id"], f["url"].removeprefix(base), f["locator"].replace(base, ""))
        for f in findings
    }


def describe(items: set[Item]) -> str:
    return "\n".join(f"  {check} {path} {locator!r}" for check, path, locator in sorted(items))


def test_scan_of_the_planted_site_has_recall_and_precision_of_at_least_98_percent(
    siteaudit: Run, planted: PlantedSite, workdir: Path
) -> None:
    result = siteaudit("scan", planted.url, "--json", "--out", "out")
    assert result.returncode == 0, result.stderr
    report = json.loads((workdir / "out" / "report.json").read_text(encoding="utf-8"))
    key, found = load_key(), found_items(report, planted.base)
    hits = key & found
    recall, precision = len(hits) / len(key), len(hits) / len(found)
    message = (
        f"recall {recall:.3f}, precision {precision:.3f}\n"
        f"missed ({len(key - found)}):\n{describe(key - found)}\n"
        f"unexpected ({len(found - key)}):\n{describe(found - key)}"
    )
    assert recall >= THRESHOLD and precision >= THRESHOLD, message


def test_answer_key_plants_at_least_a_hundred_checks_across_every_category() -> None:
    from siteaudit.checks.builtin import BUILTIN

    planted_ids = {check for check, _, _ in load_key()}
    categories = {item.category for item in BUILTIN if item.id in planted_ids}
    assert len(planted_ids) >= 100
    assert planted_ids <= {item.id for item in BUILTIN}
    assert categories == {item.category for item in BUILTIN}
