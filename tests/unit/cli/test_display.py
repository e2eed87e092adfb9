import subprocess
import sys
from dataclasses import replace

import pytest
from tests.unit.reports.report_factory import make_finding, make_report, make_scores

from siteaudit.cli.display import ProgressDisplay, format_progress, summary_tables
from siteaudit.model import ScanStatus
from siteaudit.model.events import Progress


def test_top_issues_count_distinct_pages_not_findings() -> None:
    findings = (
        make_finding(check_id="image-alt", url="https://e.com/a", locator="1.png"),
        make_finding(check_id="image-alt", url="https://e.com/a", locator="2.png"),
        make_finding(check_id="image-alt", url="https://e.com/b", locator="1.png"),
    )
    _scores, issues = summary_tables(make_report(findings=findings))
    pages_column = issues.columns[3]
    assert list(pages_column.cells) == ["2"]


def test_tables_without_rows_are_left_out() -> None:
    """A scan that failed before any page shows no empty tables; one without findings shows
    its scores and no empty list of issues."""
    empty = make_scores(site=None)
    unscored = replace(
        empty,
        categories=tuple(replace(c, score=None, findings=0) for c in empty.categories),
    )
    assert summary_tables(make_report(scores=unscored, pages=(), findings=())) == []
    (scores,) = summary_tables(make_report(findings=()))
    assert scores.title is not None and scores.title.startswith("Site score: ")


def test_progress_line_shows_counts_rate_and_eta() -> None:
    line = format_progress(
        Progress(1, ScanStatus.FETCHING, 10, 5, 4, 1, 40.0, pages_per_s=2.5, eta_s=3.0)
    )
    assert line.startswith("[fetching]  40.0%")
    assert "fetched 5" in line and "errors 1" in line and "2.5 pages/s" in line
    assert line.endswith("ETA 3s")


def test_a_display_off_a_terminal_logs_plain_progress_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(1, ScanStatus.FETCHING, 10, 5, 4, 0, 40.0, pages_per_s=2.5, eta_s=3.0)
    with ProgressDisplay() as display:
        display.update(progress)
    with ProgressDisplay(quiet=True) as display:
        display.update(progress)
    assert capsys.readouterr().err.splitlines() == [format_progress(progress)]


def test_a_scan_that_shows_nothing_never_imports_rich() -> None:
    """`--json` and `--quiet` scans: the CLI and a quiet display start without Rich."""
    code = (
        "import sys\n"
        "import siteaudit.cli.main\n"
        "from siteaudit.cli.display import ProgressDisplay\n"
        "with ProgressDisplay(quiet=True) as display:\n"
        "    pass\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'rich'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
