#!/usr/bin/env python3
"""Distributed benchmark: the Celery engine against the local engine, same machine, same run.

1. The PostgreSQL manual (../shared/corpus/serve.sh, 127.0.0.1:8082), ROUNDS times each:
   `siteaudit scan` (local engine) and `siteaudit scan --engine celery --wait` with two
   workers already running on Redis (one on scan.scraping + scan.extraction, one on the
   rest), both on the same PostgreSQL. Prints the median wall seconds and the ratio (target:
   Celery at most 1.3x local), and checks both found the same pages.
2. A 10,000-page synthetic site through Celery: peak RSS of every worker process (sampled
   from /proc every 0.2 s; target under 512 MB each) and how often the aggregate ran (1).

Usage: bench/distributed.py [--rounds N] [--synthetic-pages N]   (make bench-distributed)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from tests.support.celery_cluster import Cluster, broker  # noqa: E402
from tests.support.databases import empty_database  # noqa: E402
from tests.support.synthetic import synthetic_site  # noqa: E402

from siteaudit.engines.celery.app import QUEUES  # noqa: E402
from siteaudit.storage.database import create_engine_for  # noqa: E402
from siteaudit.storage.tables import scans  # noqa: E402

PG_MANUAL = "http://127.0.0.1:8082/"
PAGE_QUEUES = ["scan.scraping", "scan.extraction"]


def scan(cluster: Cluster, url: str, *extra: str) -> tuple[float, dict[str, object]]:
    """One `siteaudit scan` run; (wall seconds, its JSON summary)."""
    out = cluster.workdir / f"out-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "siteaudit", "scan", url, "--json", "--out", str(out)]
    command += ["--max-pages", "20000", *extra]
    started = time.monotonic()
    done = subprocess.run(command, env=cluster.environment(), capture_output=True, check=False)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"scan failed: {done.stderr.decode()[-2000:]}")
    return wall, json.loads(done.stdout)


class RssSampler:
    """Peak RSS per PID of a set of process trees, sampled from /proc."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for pid in self._tree():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            kb = int(line.split()[1])
                            self.peak[pid] = max(self.peak.get(pid, 0), kb)
                except (OSError, ValueError):
                    continue

    def _tree(self) -> list[int]:
        pids = list(self.roots)
        for root in self.roots:
            pgrep = ["pgrep", "-P", str(root)]
            out = subprocess.run(pgrep, capture_output=True, text=True, check=False)
            pids += [int(p) for p in out.stdout.split()]
        return pids


def pg_manual(cluster: Cluster, rounds: int) -> None:
    local: list[float] = []
    celery: list[float] = []
    for round_ in range(rounds):
        wall_local, summary_local = scan(cluster, PG_MANUAL)
        wall_celery, summary_celery = scan(cluster, PG_MANUAL, "--engine", "celery", "--wait")
        local.append(wall_local)
        celery.append(wall_celery)
        print(
            f"round {round_ + 1}: local {wall_local:.2f} s ({summary_local['pages']} pages), "
            f"celery {wall_celery:.2f} s ({summary_celery['pages']} pages)",
            flush=True,
        )
        if summary_local["pages"] != summary_celery["pages"]:
            print("  page counts differ!", flush=True)
    median_local, median_celery = statistics.median(local), statistics.median(celery)
    ratio = median_celery / median_local
    verdict = "MEETS" if ratio <= 1.3 else "FAILS"
    print(
        f"PostgreSQL manual, median of {rounds}: local {median_local:.2f} s, "
        f"celery {median_celery:.2f} s, ratio {ratio:.2f} (target <= 1.3: {verdict})"
    )


def synthetic(cluster: Cluster, pages: int) -> None:
    roots = [worker.process.pid for worker in cluster.workers]
    with synthetic_site(pages) as site, RssSampler(roots) as sampler:
        wall, summary = scan(cluster, site.url, "--engine", "celery", "--wait")
    engine = create_engine_for(cluster.database_url)
    with engine.connect() as connection:
        runs = connection.scalar(
            select(scans.c.aggregate_runs).where(scans.c.id == summary["scan_id"])
        )
    engine.dispose()
    peak_mb = max(sampler.peak.values()) / 1024
    verdict = "MEETS" if peak_mb < 512 and runs == 1 else "FAILS"
    print(
        f"synthetic {pages} pages through celery: {summary['pages']} pages in {wall:.1f} s, "
        f"status {summary['status']}, aggregate ran {runs}x, peak RSS per worker process "
        f"{peak_mb:.0f} MB over {len(sampler.peak)} processes (target < 512 MB: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synthetic-pages", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("SITEAUDIT_CRAWL__MAX_PAGES", "20000")
    with bench_cluster("siteaudit-bench-") as cluster:
        pg_manual(cluster, args.rounds)
        synthetic(cluster, args.synthetic_pages)


@contextlib.contextmanager
def bench_cluster(prefix: str) -> Iterator[Cluster]:
    """Two real Celery workers on a Redis database of their own (as the tests take one) and
    an empty PostgreSQL database, in a temporary directory named from `prefix`; stopped at
    the end."""
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
        empty_database("postgresql", Path(tmp)) as database_url,
        broker("redis") as broker_url,
    ):
        cluster = Cluster(database_url=database_url, broker_url=broker_url, workdir=Path(tmp))
        try:
            # Page steps wait on PostgreSQL about a quarter of the time: one process more than
            # the cores keeps them busy (measured: 2 processes 11.9 s, 3 processes 8.8 s).
            cluster.start_worker(PAGE_QUEUES, concurrency=(os.cpu_count() or 1) + 1)
            cluster.start_worker([q for q in QUEUES if q not in PAGE_QUEUES], concurrency=2)
            yield cluster
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
