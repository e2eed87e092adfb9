#!/usr/bin/env python3
"""Where a big scan's memory goes: tracemalloc snapshots of an in-process scan.

Serves the synthetic site of tests/support/synthetic.py (in a child process) and runs the
same `run_scan` the CLI runs, then writes the json, html and csv reports as `siteaudit scan`
does. Once the crawl is over (tracing it would slow it tenfold) tracemalloc is on, and the
heap is snapshot whenever the traced total passes a new high (by 5%). At the end it prints
the phase at the peak and the top allocation sites (by line, then by call stack) there.

Usage: bench/memory_profile.py [--pages 20000] [--top 25]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.synthetic import synthetic_site  # noqa: E402

from siteaudit.engines.runner import make_spec, run_scan  # noqa: E402
from siteaudit.reports import write_reports  # noqa: E402
from siteaudit.settings import Settings  # noqa: E402

MIB = 1024 * 1024
CRAWLING = {"?", "pending", "discovering", "selecting", "fetching"}


class PeakSnapshots:
    """Takes a snapshot each time the traced memory reaches a new high (+5%)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.peak = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.phase = "?"
        self.label: str | None = None  # overrides the stored status (e.g. "reports")
        self.timeline: list[tuple[float, str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakSnapshots:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _status(self) -> str:
        if self.label is not None:
            return self.label
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.1) as db:
                row = db.execute("select status from scans order by id desc limit 1").fetchone()
                return str(row[0]) if row else "?"
        except sqlite3.Error:
            return "?"

    def _watch(self) -> None:
        last_log = 0.0
        while not self._stop.wait(0.2):
            if not tracemalloc.is_tracing():
                # Tracing the crawl costs 10x its speed; the peak comes after it.
                if self._status() not in CRAWLING:
                    tracemalloc.start(12)
                continue
            current, _ = tracemalloc.get_traced_memory()
            now = time.monotonic() - self._started
            if now - last_log >= 5:
                self.timeline.append((now, self._status(), current))
                last_log = now
            if current > self.peak * 1.05:
                self.peak = current
                self.phase = self._status()
                self.snapshot = tracemalloc.take_snapshot()


def main() -> int:
    """Run the profile and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, synthetic_site(args.pages) as site:
        db = Path(tmp) / "profile.db"
        settings = Settings(database_url=f"sqlite:///{db}")
        settings.crawl.max_pages = args.pages * 2
        settings.crawl.max_depth = 1000
        started = time.monotonic()
        with PeakSnapshots(db) as peaks:
            outcome = run_scan(settings, make_spec(settings, site.url, (), ()))
            peaks.label = "writing reports"  # what the CLI does next
            write_reports(outcome.report, Path(tmp) / "out", ["json", "html", "csv"])
        wall = time.monotonic() - started
        pages = len(outcome.report.pages)
        _, traced_peak = tracemalloc.get_traced_memory()
    print(f"{pages} pages, {outcome.status.value}, {wall:.0f} s under tracemalloc")
    print(f"tracemalloc peak {traced_peak / MIB:.0f} MiB; snapshot at {peaks.peak / MIB:.0f} MiB")
    print(f"phase at the peak snapshot: {peaks.phase}")
    print("\ntimeline (s, phase, traced MiB):")
    for at, phase, current in peaks.timeline:
        print(f"  {at:6.0f}  {phase:<22} {current / MIB:6.0f}")
    assert peaks.snapshot is not None
    snapshot = peaks.snapshot.filter_traces(
        (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__))
    )
    print(f"\ntop {args.top} allocation sites at the peak (by line):")
    for stat in snapshot.statistics("lineno")[: args.top]:
        frame = stat.traceback[0]
        where = frame.filename.replace(str(ROOT) + "/", "")
        print(f"  {stat.size / MIB:7.1f} MiB {stat.count:>9} blocks  {where}:{frame.lineno}")
    print("\ntop 8 call stacks at the peak:")
    for stat in snapshot.statistics("traceback")[:8]:
        print(f"\n  {stat.size / MIB:.1f} MiB in {stat.count} blocks")
        for line in stat.traceback.format(limit=8, most_recent_first=True):
            print("    " + line.replace(str(ROOT) + "/", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
