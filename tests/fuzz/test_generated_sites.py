"""Generated hostile sites scanned by the real CLI (`make test-fuzz`; minutes).

Each seed serves a site from tests/support/hostile_site.py on 127.0.0.1. Two properties:

- a scan ends, with no internal error and no traceback, and its reports are sound: the JSON
  validates against the schema, the HTML holds no live markup from the site, no CSV cell
  starts as a formula;
- a scan interrupted at a random moment (SIGKILL, SIGINT or SIGTERM) and resumed holds the
  same pages and findings as one uninterrupted run;
- the distributed engine (a real Celery worker on Redis, PostgreSQL) finds the same pages
  and findings as the embedded engine (half the seeds).

The whole scans draw some of the scan's options per seed (limits, include and exclude,
parameter rules, nofollow, robots). Found so far: a script src no browser could load ending
the scan, resumes missing redirect targets and canonicals, a worker's traceback when the
scan died mid-request, `--include` fetching nothing. More seeds: `FUZZ_SEEDS=200 make
test-fuzz`; other ones: `FUZZ_FIRST_SEED=1000 make test-fuzz`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from selectolax.lexbor import LexborHTMLParser

from siteaudit.engines.celery import service
from siteaudit.engines.runner import make_spec, run_scan
from siteaudit.storage.repository import SqlScanStore
from tests.support.celery_cluster import Cluster, broker
from tests.support.celery_outcomes import database, follow, seen
from tests.support.databases import empty_database
from tests.support.hostile_site import EVALUATED, MARKER, serving

pytestmark = pytest.mark.fuzz

FIRST_SEED = int(os.environ.get("FUZZ_FIRST_SEED", "1"))
SEEDS = range(FIRST_SEED, FIRST_SEED + int(os.environ.get("FUZZ_SEEDS", "20")))
ENGINE_SEEDS = SEEDS[: max(1, len(SEEDS) // 2)]
PAGES = 80
SCHEMA = Path(__file__).parents[2] / "src/siteaudit/reports/schema/report-v1.schema.json"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# Refusals a generated site may earn at its start (a header no HTTP parser takes): said in
# words, which is all a scan can do.
REFUSED_AT_START = ("could not reach", "robots.txt disallows")
# Checks that measure time: a loaded machine changes them between two runs.
TIMED = ("ttfb", "slow", "response-time")


def siteaudit(workdir: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEAUDIT_")}
    env["SITEAUDIT_DATABASE_URL"] = f"sqlite:///{workdir / 'scans.db'}"
    env["SITEAUDIT_CONFIG"] = os.devnull
    command = [sys.executable, "-m", "siteaudit", *args]
    return subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def scan(workdir: Path, *args: str) -> tuple[int, str]:
    process = siteaudit(workdir, "scan", *args, "--no-external", "--quiet")
    _, err = process.communicate(timeout=600)
    return process.returncode, err


def refused_at_start(code: int, err: str) -> bool:
    return code == 2 and "Traceback" not in err and any(r in err for r in REFUSED_AT_START)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_generated_hostile_site_scans_to_its_end_with_sound_reports(
    seed: int, tmp_path: Path
) -> None:
    with serving(seed, PAGES) as url:
        code, err = scan(tmp_path, url, "--out", "r", *options(seed))
    if refused_at_start(code, err):
        return
    assert code in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    assert_no_live_markup((tmp_path / "r" / "report.html").read_text())
    for row in csv.reader(io.StringIO((tmp_path / "r" / "findings.csv").read_text(), newline="")):
        assert not any(cell.startswith(FORMULA) for cell in row), row


def options(seed: int) -> list[str]:
    """Up to four of the scan's options, drawn for `seed` (none for a third of the seeds)."""
    chance = random.Random(-seed)
    pool = [
        ["--max-depth", str(chance.randint(0, 3))],
        ["--max-pages", str(chance.randint(1, 20))],
        ["--strip-param", chance.choice(["x", "*"])],
        ["--include", "/p1"],
        ["--exclude", r"\.pdf$"],
        ["--follow-nofollow"],
        ["--no-resources"],
        ["--no-robots"],
        ["--subdomains"],
        ["--concurrency", str(chance.randint(1, 64))],
    ]
    count = chance.choice([0, 1, 2, 3, 4])
    return [word for option in chance.sample(pool, count) for word in option]


def assert_no_live_markup(html: str) -> None:
    """No script, event handler or script URL the site wrote is live in the report."""
    for node in LexborHTMLParser(html).css("*"):
        if node.tag == "script":
            assert MARKER not in (node.text() or ""), node.html
        for name, value in node.attributes.items():
            assert MARKER not in name, node.html
            text = (value or "").strip().lower()
            assert not (name.startswith("on") and MARKER.lower() in text), node.html
            if name in ("href", "src", "action", "formaction"):
                assert not text.startswith(("javascript:", "data:text")), node.html
    assert EVALUATED not in html  # template syntax from the site is text, never evaluated


@pytest.mark.parametrize("seed", SEEDS)
def test_a_scan_interrupted_at_any_moment_and_resumed_matches_one_run(
    seed: int, tmp_path: Path
) -> None:
    chance = random.Random(seed)
    sent = chance.choice([signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    with serving(seed, PAGES) as url:
        code, err = scan(whole, url, "--out", "r", "--format", "json")
        if refused_at_start(code, err):
            return
        assert code in (0, 1), err
        process = siteaudit(cut, "scan", url, "--no-external", "--quiet", "--format", "json")
        time.sleep(chance.uniform(0.9, 3.0))
        process.send_signal(sent)
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        resumed = siteaudit(cut, "scan", "--resume", "1", "--out", "r", "--format", "json")
        _, err = resumed.communicate(timeout=600)
    if "there is no scan 1" in err or "already" in err:
        return  # stopped before its scan was stored, or after it ended
    assert resumed.returncode in (0, 1), err
    assert contents(cut / "r") == contents(whole / "r")


def contents(reports: Path) -> dict[str, Any]:
    """What two runs of one site must agree on: status, pages, findings (timed ones aside)."""
    report = json.loads((reports / "report.json").read_text())
    return {
        "status": report["scan"]["status"],
        "pages": sorted(
            (p["url"], p["status"], (p.get("error") or {}).get("code")) for p in report["pages"]
        ),
        "findings": sorted(
            (f["check_id"], f["url"], f["locator"])
            for f in report["findings"]
            if not any(word in f["check_id"] for word in TIMED)
        ),
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One PostgreSQL schema, a Redis broker and one worker for every queue."""
    workdir = tmp_path_factory.mktemp("cluster")
    with empty_database("postgresql", workdir) as database_url, broker("redis") as url:
        cluster = Cluster(database_url=database_url, broker_url=url, workdir=workdir)
        try:
            cluster.start_worker()
            yield cluster
        finally:
            cluster.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("seed", ENGINE_SEEDS)
def test_the_distributed_engine_scans_a_generated_site_as_the_embedded_one_does(
    seed: int, cluster: Cluster
) -> None:
    settings = cluster.settings()
    settings.crawl = settings.crawl.model_copy(update={"check_external": False})
    with serving(seed, PAGES) as url:
        spec = make_spec(settings, url, (), ())
        scan_id, published = service.submit(settings, spec)
        assert published
        distributed = follow(settings, scan_id)
        with database(cluster.database_url) as engine:
            embedded = seen(run_scan(settings, spec, store=SqlScanStore(engine)))
    assert distributed.status == embedded.status
    assert distributed.pages == embedded.pages
    assert distributed.fingerprints == embedded.fingerprints
