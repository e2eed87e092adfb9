"""What the CLI shows: live progress while scanning and the summary at the end.

Rich is imported only when something is shown: `--json` and `--quiet` scans, which show
nothing, start 20 ms sooner without it.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

from siteaudit.model import Severity
from siteaudit.model.events import Progress
from siteaudit.model.report import ScanReport
from siteaudit.reports.charts import format_score

if TYPE_CHECKING:
    from rich.live import Live
    from rich.table import Table

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
LOG_INTERVAL_S = 2.0


class ProgressDisplay:
    """A live line on a terminal (standard error); a plain log line every few seconds
    otherwise; nothing at all when `quiet`."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._quiet = quiet
        self._live: Live | None = None
        self._last_log = 0.0

    def __enter__(self) -> ProgressDisplay:
        if self._quiet:
            return self
        from rich.console import Console  # noqa: PLC0415 (Rich only when shown)
        from rich.live import Live  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        console = Console(stderr=True)
        if console.is_terminal:
            self._live = Live(Text("starting…"), console=console, refresh_per_second=8)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)

    def stopping(self) -> None:
        """Say what the first Ctrl-C does (called from the signal handler)."""
        if self._quiet:
            return
        if self._live is not None:
            self._live.console.print(STOPPING, markup=False, highlight=False)
            return
        print(STOPPING, file=sys.stderr, flush=True)

    def update(self, progress: Progress) -> None:
        """Show a progress snapshot."""
        if self._quiet:
            return
        line = format_progress(progress)
        if self._live is not None:
            from rich.text import Text  # noqa: PLC0415 (imported by __enter__ already)

            self._live.update(Text(line))
            return
        now = time.monotonic()
        if now - self._last_log >= LOG_INTERVAL_S or progress.status.is_terminal:
            self._last_log = now
            print(line, file=sys.stderr, flush=True)


STOPPING = (
    "Stopping: the pages under way are finished and stored, then the reports are written"
    " (Ctrl-C again stops at once)."
)


def format_progress(progress: Progress) -> str:
    """One line: status, percentage, counts, rate and ETA."""
    eta = f"{progress.eta_s:.0f}s" if progress.eta_s is not None else "?"
    checks = (
        f"links and resources checked {progress.checked} of {progress.to_check}  "
        if progress.to_check
        else ""
    )
    return (
        f"[{progress.status.value}] {progress.percent:5.1f}%  "
        f"discovered {progress.discovered}  fetched {progress.fetched}  "
        f"analysed {progress.analyzed}  errors {progress.errors}  {checks}"
        f"{progress.pages_per_s:.1f} pages/s  ETA {eta}"
    )


def summary_tables(report: ScanReport, top: int = 10) -> list[Table]:
    """The end-of-scan summary: scores by category, then the top issues; a table with no
    row is left out (a scan that failed before any page was audited shows neither)."""
    from rich.table import Table  # noqa: PLC0415 (Rich only when shown)
    from rich.text import Text  # noqa: PLC0415

    site = report.scores.site
    scores = Table(title=f"Site score: {_score(site)}", title_justify="left")
    scores.add_column("Category")
    scores.add_column("Score", justify="right")
    scores.add_column("Failing checks", justify="right")
    scores.add_column("Findings", justify="right")
    for cat in report.scores.categories:
        if cat.score is None and not cat.findings:
            continue
        scores.add_row(
            cat.category.value, _score(cat.score), str(cat.failed_checks), str(cat.findings)
        )
    issues = Table(title="Top issues", title_justify="left")
    issues.add_column("Severity")
    issues.add_column("Check")
    issues.add_column("Issue")
    issues.add_column("Pages", justify="right")
    for check_id, pages in _top_issues(report, top):
        info = report.checks.get(check_id)
        severity = info.severity if info else Severity.INFO
        issues.add_row(
            Text(severity.value, style=SEVERITY_STYLES[severity]),
            check_id,
            info.failure_title if info else check_id,
            str(pages),
        )
    return [table for table in (scores, issues) if table.row_count]


def _top_issues(report: ScanReport, top: int) -> list[tuple[str, int]]:
    """Checks by severity, then by the number of distinct pages they fail on."""
    by_check = report.totals.by_check
    ranked = sorted(by_check, key=lambda c: (by_check[c].severity.rank, -by_check[c].pages, c))
    return [(check_id, by_check[check_id].pages) for check_id in ranked[:top]]


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{format_score(value)}/100"
