#!/usr/bin/env python3
"""What the full check catalogue costs: the same scan with every check, and with the skeleton's.

The catalogue issue asks that scanning the PostgreSQL manual (127.0.0.1:8082, served by
../shared/corpus/serve.sh) with every check on be at most 25% slower than with only the
walking skeleton's checks. This runs both configurations ROUNDS times, alternating them so
that drift in the machine's load hits both alike, and prints the median wall seconds, the
findings of each and the ratio.

Usage: bench/catalogue_cost.py [--rounds 3] [--url http://127.0.0.1:8082/]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl import config_disabling, run_siteaudit

from siteaudit.checks.builtin import BUILTIN

# The checks of the walking skeleton (issue 2), as its catalogue test lists them.
SKELETON = frozenset(
    {
        "title", "title-empty", "title-length-long", "title-length-short", "title-duplicate",
        "meta-description", "meta-description-length", "meta-description-duplicate", "h1",
        "h1-multiple", "html-lang", "viewport", "canonical", "canonical-mismatch", "noindex",
        "status-4xx", "status-5xx", "fetch-error", "broken-link", "redirect-chain",
        "image-alt", "csp", "x-content-type-options", "frame-protection", "hsts",
    }
)  # fmt: skip
TARGET = 1.25


def skeleton_config(path: Path) -> Path:
    """A siteaudit.toml that disables every check but the skeleton's."""
    return config_disabling(path, (item.id for item in BUILTIN if item.id not in SKELETON))


def findings_of(workdir: Path) -> int:
    report = json.loads((workdir / "out" / "report.json").read_text(encoding="utf-8"))
    return int(report["summary"]["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", default="http://127.0.0.1:8082/")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"full": [], "skeleton": []}
    for _ in range(args.rounds):
        for name in ("skeleton", "full"):
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                config = skeleton_config(work / "skeleton.toml") if name == "skeleton" else None
                row = run_siteaudit(args.url, work, config)
                row["findings"] = findings_of(work)
                runs[name].append(row)
    print(f"\n{args.url}  (median of {args.rounds}, alternating)")
    print(f"{'checks':10} {'count':>6} {'pages':>6} {'findings':>9} {'wall_s':>8} {'rss_mb':>7}")
    medians = {}
    for name, rows in runs.items():
        count = len(BUILTIN) if name == "full" else len(SKELETON)
        medians[name] = statistics.median(r["wall_s"] for r in rows)
        print(
            f"{name:10} {count:6} {statistics.median(r['pages'] for r in rows):6.0f} "
            f"{statistics.median(r['findings'] for r in rows):9.0f} {medians[name]:8.2f} "
            f"{statistics.median(r['rss_mb'] for r in rows):7.0f}"
        )
    ratio = medians["full"] / medians["skeleton"]
    print(f"full / skeleton wall time: {ratio:.2f}  (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
