"""Errors a user may see, under one base.

    SiteauditError
    ├── ConfigError          settings or siteaudit.toml are invalid
    ├── ScanInputError       the scan request is unusable (bad URL, bad pattern)
    ├── ScanFailedError      the scan ran but could not produce a result (site unreachable)
    ├── ScanStoppedError     the user stopped the scan at once (a second Ctrl-C)
    └── ReportWriteError     the reports could not be written (the folder, the disk)

Each carries a message written for the person at the terminal; the CLI prints it on one
line and exits 2 (130 for a stopped scan, as for one cancelled).
"""

from __future__ import annotations


class SiteauditError(Exception):
    """Base of every error siteaudit reports to its user."""


class ConfigError(SiteauditError):
    """Settings or siteaudit.toml are invalid."""


class ScanInputError(SiteauditError):
    """The scan request cannot be run: malformed URL, unsupported scheme, bad pattern."""


class ScanFailedError(SiteauditError):
    """The scan ran but produced no usable result, e.g. the start URL was unreachable."""

    def __init__(self, message: str, *, scan_id: int | None = None) -> None:
        super().__init__(message)
        self.scan_id = scan_id


class ScanStoppedError(SiteauditError):
    """The user stopped the scan at once, not waiting for the pages under way: it is stored
    as cancelled and `--resume` continues it."""

    def __init__(self, message: str, *, scan_id: int) -> None:
        super().__init__(message)
        self.scan_id = scan_id


class ReportWriteError(SiteauditError):
    """The reports could not be written where asked (a path that is not a folder, a full
    disk, no permission); the scan itself stays stored, and `siteaudit report` writes them."""


def os_words(exc: OSError) -> str:
    """An OSError as a person reads it: "Not a directory: '/proc/version/x'"."""
    if exc.strerror is None:
        return str(exc)
    return f"{exc.strerror}: {str(exc.filename)!r}" if exc.filename else exc.strerror
