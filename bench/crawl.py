#!/usr/bin/env python3
"""Crawl benchmark: siteaudit's full audit vs the peers, same machine, same run.

For each corpus site (../shared/corpus/serve.sh: Python docs on :8081, PostgreSQL manual on
:8082) it runs, ROUNDS times each, siteaudit's full audit (`siteaudit scan`, every check) and
../shared/bench/peers.sh (advertools/Scrapy and the bare aiohttp+selectolax baseline), then
prints the median pages, wall seconds, pages/s and peak RSS of each, and the ratios the
crawler issue targets (>= 5x advertools' pages/s, >= 40% of the baseline's, RSS <= 250 MB).

`--sites menu` measures a synthetic shop instead (tests/support/synthetic.py, served from a
child process): 5,000 pages, each with a navigation menu of 450 links and 20 links of its
own, as a shop's mega menu makes them; 2.3 million links to store, where the corpus sites
have 5 to 20 a page.

`--no-checks` adds, in each round, the same scan with every check disabled (extraction,
storage and the reports still run): what the crawl itself costs beside the full audit, for
the planning decision on the baseline target.

Usage: bench/crawl.py [--rounds N] [--sites py,pg,menu] [--no-checks]   (make bench-crawl)
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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SITES = {"py": "http://127.0.0.1:8081/", "pg": "http://127.0.0.1:8082/"}
MENU_PAGES, MENU_LINKS = 5_000, 450  # the synthetic shop of `--sites menu`


def run_siteaudit(url: str, workdir: Path, config: Path | None = None) -> dict[str, float]:
    """One full audit; pages from the JSON summary, wall and RSS from /usr/bin/time.

    `config` is a siteaudit.toml to use; by default none (not even one in the cwd).
    """
    timing = workdir / "time.txt"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SITEAUDIT_")},
        "SITEAUDIT_CONFIG": str(config or os.devnull),
        "SITEAUDIT_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "SITEAUDIT_CRAWL__MAX_PAGES": "100000",
        "SITEAUDIT_CRAWL__MAX_DEPTH": "1000",
        # The network is closed here, and neither peer checks links to other sites.
        "SITEAUDIT_CRAWL__CHECK_EXTERNAL": "false",
    }
    cmd = [
        "/usr/bin/time",
        "-f",
        "%e %M",
        "-o",
        str(timing),
        sys.executable,
        "-m",
        "siteaudit",
        "scan",
        url,
        "--json",
        "--out",
        str(workdir / "out"),
        "--concurrency",
        "16",
    ]
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"siteaudit scan {url} exited {done.returncode}:\n{done.stderr}")
    summary = json.loads(done.stdout)
    if summary["status"] not in {"completed", "completed_with_errors"}:
        raise SystemExit(f"siteaudit scan {url} ended {summary['status']}: {summary['error']}")
    wall, kb = timing.read_text().split()[-2:]
    return {"pages": summary["pages"], "wall_s": float(wall), "rss_mb": int(kb) / 1024}


def run_peers(url: str) -> dict[str, dict[str, float]]:
    """One run of the shared peer runner; parses its table."""
    out = subprocess.run(
        ["bash", str(SHARED / "bench" / "peers.sh"), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {}
    for line in out.splitlines()[1:]:
        name, pages, wall, _rate, rss = line.split()
        rows[name] = {"pages": float(pages), "wall_s": float(wall), "rss_mb": float(rss)}
    return rows


def paired_ratios(ours: list[dict[str, float]], theirs: list[dict[str, float]]) -> list[float]:
    """siteaudit's pages/s over the peer's, round by round.

    Each round runs both tools back to back, so its ratio sees the same machine; on a
    shared machine whose speed drifts over minutes, the median of these is steadier than
    the ratio of the two medians (printed first, as before).
    """
    return [
        (a["pages"] / a["wall_s"]) / (b["pages"] / b["wall_s"])
        for a, b in zip(ours, theirs, strict=True)
    ]


def median_row(rows: list[dict[str, float]]) -> dict[str, float]:
    """Median of each figure; pages/s from the median-wall run's own numbers."""
    by_wall = sorted(rows, key=lambda r: r["wall_s"])[len(rows) // 2]
    return {
        "pages": statistics.median(r["pages"] for r in rows),
        "wall_s": by_wall["wall_s"],
        "pages_per_s": statistics.median(r["pages"] / r["wall_s"] for r in rows),
        "rss_mb": statistics.median(r["rss_mb"] for r in rows),
    }


def compile_bytecode() -> None:
    """Byte-compile siteaudit's sources once, as installing a package does.

    The peers run from virtualenvs pip built, with their bytecode compiled at install time;
    siteaudit runs from this editable checkout. With PYTHONDONTWRITEBYTECODE=1 (set on these
    machines) Python never caches the bytecode of an editable install and compiled every
    module again on each run: 0.1 s that an installed siteaudit never pays.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sites", default="py,pg")
    parser.add_argument(
        "--no-checks", action="store_true", help="also scan with every check disabled"
    )
    args = parser.parse_args()
    keys = args.sites.split(",")
    if set(keys) & set(SITES):
        subprocess.run(
            ["bash", str(SHARED / "corpus" / "serve.sh"), "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    compile_bytecode()
    with contextlib.ExitStack() as stack:
        for key in keys:
            url = SITES[key] if key != "menu" else stack.enter_context(shop()).url
            compare(url, args.rounds, no_checks=args.no_checks)
    return 0


@contextlib.contextmanager
def shop() -> Iterator[Any]:
    """The synthetic shop with a mega menu, served from a child process."""
    sys.path.insert(0, str(ROOT))
    from tests.support.synthetic import synthetic_site  # noqa: PLC0415

    with synthetic_site(MENU_PAGES, menu=MENU_LINKS) as site:
        yield site


def compare(url: str, rounds: int, *, no_checks: bool = False) -> None:
    """Audit `url` `rounds` times with siteaudit and the peers, and print the table."""
    ours: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []  # with every check disabled (`no_checks`)
    peers: dict[str, list[dict[str, float]]] = {"baseline": [], "advertools": []}
    report: dict[str, Any] = {}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            ours.append(run_siteaudit(url, Path(tmp)))
            report = json.loads((Path(tmp) / "out" / "report.json").read_text())
        if no_checks:
            with tempfile.TemporaryDirectory() as tmp:
                bare.append(run_siteaudit(url, Path(tmp), every_check_disabled(Path(tmp))))
        for name, row in run_peers(url).items():
            peers[name].append(row)
    table = {"siteaudit": median_row(ours), **{n: median_row(r) for n, r in peers.items()}}
    if bare:
        table["no checks"] = median_row(bare)
    print(f"\n{url}  (median of {rounds})")
    print(f"{'tool':<11}{'pages':>7}{'wall_s':>9}{'pages/s':>9}{'rss_mb':>8}")
    for name, row in table.items():
        print(
            f"{name:<11}{row['pages']:>7.0f}{row['wall_s']:>9.2f}"
            f"{row['pages_per_s']:>9.1f}{row['rss_mb']:>8.0f}"
        )
    lines = [
        (ours, "siteaudit", "advertools", "target >= 5x"),
        (ours, "siteaudit", "baseline", "target >= 0.40"),
    ]
    if bare:
        lines.append((bare, "no checks", "baseline", "the crawl without the audit"))
    for rows, name, peer, note in lines:
        ratios = paired_ratios(rows, peers[peer])
        rate = table[name]["pages_per_s"] / table[peer]["pages_per_s"]
        print(
            f"{f'{name} / {peer}':<23}pages/s: {rate:.2f}  ({note});"
            f" per round {' '.join(f'{r:.2f}' for r in ratios)},"
            f" median {statistics.median(ratios):.2f}"
        )
    print(coverage(url, report))


def every_check_disabled(workdir: Path) -> Path:
    """A siteaudit.toml in `workdir` that disables every check of the catalogue."""
    from siteaudit.checks.builtin import BUILTIN  # noqa: PLC0415

    return config_disabling(workdir / "siteaudit.toml", (item.id for item in BUILTIN))


def config_disabling(path: Path, check_ids: Iterable[str]) -> Path:
    """`path`, written as a siteaudit.toml that disables the checks `check_ids`."""
    disabled = sorted(check_ids)
    path.write_text(f"[checks]\ndisabled = {json.dumps(disabled)}\n", encoding="utf-8")
    return path


def coverage(url: str, report: dict[str, Any]) -> str:
    """Pages the baseline crawler fetched that siteaudit did not, and broken-page agreement.

    The baseline (../shared/bench/baseline_crawl.py, run once more with its JSON lines kept)
    fetches every same-host <a href> target; both sides' URLs are compared in siteaudit's
    normal form. Broken means an error status (>= 400) or no answer at all.
    """
    python = Path(os.environ.get("PEERS_DIR", "/tmp/siteaudit-peers")) / "base/bin/python"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "base.jsonl"
        subprocess.run(
            [str(python), str(SHARED / "bench" / "baseline_crawl.py"), url, "16", str(out)],
            check=True,
            capture_output=True,
        )
        rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]

    def broken(status: int | None) -> bool:
        return status is None or status >= 400

    theirs = {_normal(r["url"]): broken(r.get("status")) for r in rows}
    ours = {_normal(p["url"]): broken(p["status"]) for p in report["pages"]}
    missing = sorted(set(theirs) - set(ours))
    their_broken = {u for u, bad in theirs.items() if bad}
    our_broken = {u for u, bad in ours.items() if bad}
    verdict = "OK" if not missing and their_broken == our_broken else "MISMATCH"
    return (
        f"coverage: baseline {len(theirs)} URLs, siteaudit {len(ours)}, missed by siteaudit "
        f"{len(missing)} {missing[:5]}; broken: baseline {len(their_broken)}, siteaudit "
        f"{len(our_broken)}, only baseline {sorted(their_broken - our_broken)[:5]}, only "
        f"siteaudit {sorted(our_broken - their_broken)[:5]}  {verdict}"
    )


def _normal(url: str) -> str:
    from siteaudit.pipeline.urls import InvalidURLError, normalise  # noqa: PLC0415

    try:
        return normalise(url)
    except InvalidURLError:
        return url


if __name__ == "__main__":
    sys.exit(main())
