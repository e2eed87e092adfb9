"""Progress events that engines emit and displays (CLI, later the API) consume."""

from __future__ import annotations

from dataclasses import dataclass

from siteaudit.model.spec import ScanStatus


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a running scan; `percent` only moves forward. Once the crawl ends,
    `checked` of `to_check` links to other sites and resources have been checked (both 0
    when none is, or the engine does not say)."""

    scan_id: int
    status: ScanStatus
    discovered: int
    fetched: int
    analyzed: int
    errors: int
    percent: float
    pages_per_s: float = 0.0
    eta_s: float | None = None
    checked: int = 0
    to_check: int = 0
