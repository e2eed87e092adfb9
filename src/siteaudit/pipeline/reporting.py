"""Reporting: complete a stored scan's report with the catalogue's check metadata."""

from __future__ import annotations

import dataclasses

from siteaudit.checks.catalogue import Catalogue
from siteaudit.model.report import CheckInfo, ScanReport


def check_infos(catalogue: Catalogue) -> dict[str, CheckInfo]:
    """What a report shows about each check."""
    return {
        c.id: CheckInfo(
            id=c.id,
            category=c.category,
            severity=c.severity,
            title=c.title,
            failure_title=c.failure_title,
            why=c.docs.why,
            how_to_fix=c.docs.fix,
        )
        for c in catalogue
    }


def with_check_infos(report: ScanReport, catalogue: Catalogue) -> ScanReport:
    """`report` with metadata for every check that has findings (unknown ids are kept)."""
    return dataclasses.replace(report, checks={**check_infos(catalogue), **report.checks})
