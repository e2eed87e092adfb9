#!/usr/bin/env python3
"""The corpus sites served differently must be audited the same (make bench-served).

Each corpus site's pages (the Python docs and the PostgreSQL manual, from the directories
../shared/corpus/serve.sh serves) are served by tests/support/served.py, once plainly (the
reference) and once per variation of how a real server may serve them: another content
coding, chunked bodies, no keep-alive, latency, a kept-alive connection closed early or
when idle, a body after each HEAD answer, the first two requests of one URL in 20 dropped
(the connection reset, then closed, instead of an answer), a rate limit (20 requests a
second, past which it answers 429 or 503; and 50 a second), clean URLs (`/a.html` answers
301 to `/a`), a robots.txt naming a gzipped sitemap that lists every page, each answer's
Content-Length twice or beside chunked encoding (which browsers forgive). Each is
audited by the real CLI (every check, as bench/crawl.py runs it), and the audit must
equal the reference's: every page's status, depth, how found, title, size and error, and
every finding (check, URL, locator), less the checks of what the variation changes on
purpose (`compression` when it compresses, the robots.txt and sitemap checks when they
are there) and response times.

The corpus sites on nginx never exercise these paths; each variation here once hid a bug
that changed audits of real sites (brotli pages cut at 98 KB, false broken links from a
body after HEAD or from a short keep-alive timeout, pages a click too deep). Run it before
a release; it prints one line a variation and exits 1 when one differs.

With `--engine celery` each variation is audited by the distributed engine (two real
workers on a Redis database and a PostgreSQL database of their own, as the tests start
them) and still compared with the embedded engine's plain audit.

Usage: bench/served.py [--sites py,pg] [--only NAME,...] [--engine local|celery] [--keep DIR]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl import SHARED, compile_bytecode, run_siteaudit  # noqa: E402
from bench.distributed import bench_cluster  # noqa: E402
from tests.support.served import DirectorySite, ServedSite, Serving  # noqa: E402

SITES = {
    "py": Path("/usr/share/doc/python3.11/html"),
    "pg": Path("/usr/share/doc/postgresql-doc-15/html"),
}
PLAIN = Serving(coding="identity")  # no coding is named "identity": bodies go as they are
COMPRESSED = frozenset({"compression"})
# What a robots.txt and a sitemap change on purpose (no page's depth or how it is found).
LISTED = frozenset(
    {"sitemap-missing", "robots-txt-missing", "robots-txt-sitemap", "robots-ai-training"}
)


@dataclass(frozen=True)
class Variation:
    """How a site is served, and the checks that may differ on purpose."""

    serving: Serving
    allowed: frozenset[str] = frozenset()
    clean_urls: bool = False
    sitemap: bool = False  # a robots.txt and a gzipped sitemap list the plain site's pages


VARIATIONS = {
    "plain": Variation(PLAIN),  # again: the same audit twice (and across the engines)
    "gzip": Variation(Serving(coding="gzip"), COMPRESSED),
    "deflate": Variation(Serving(coding="deflate"), COMPRESSED),
    "br": Variation(Serving(coding="br"), COMPRESSED),
    "br-chunked": Variation(Serving(coding="br", chunked=True), COMPRESSED),
    "zstd-chunked": Variation(Serving(coding="zstd", chunked=True), COMPRESSED),
    "no-keep-alive-latency": Variation(Serving(coding="identity", keep_alive=False, latency_ms=40)),
    "head-body-chunked": Variation(Serving(coding="identity", chunked=True, head_body=True)),
    "drops-after-3": Variation(Serving(coding="identity", answers_per_connection=3)),
    "idle-close-2ms": Variation(Serving(coding="gzip", idle_close_ms=2, latency_ms=40), COMPRESSED),
    "cuts": Variation(Serving(coding="identity", cut_every=20)),
    "rate-limit-429": Variation(Serving(coding="identity", rate_limit=20)),
    "rate-limit-503": Variation(Serving(coding="identity", rate_limit=20, refusal=503)),
    "rate-limit-50": Variation(Serving(coding="identity", rate_limit=50)),
    "clean-urls": Variation(
        Serving(coding="gzip"), COMPRESSED | {"internal-link-redirect"}, clean_urls=True
    ),
    "sitemap": Variation(Serving(coding="identity"), LISTED, sitemap=True),
    "length-twice": Variation(Serving(coding="gzip", length_twice=True), COMPRESSED),
    "length-and-chunked": Variation(
        Serving(coding="gzip", chunked=True, length_twice=True), COMPRESSED
    ),
    "labelled-utf-8": Variation(
        Serving(coding="identity", label="UTF-8"), COMPRESSED | {"content-encoding-unknown"}
    ),
}
TIMING_CHECKS = frozenset({"ttfb-slow", "response-time"})

PageFacts = tuple[Any, ...]
Audit = tuple[dict[str, PageFacts], set[tuple[str, str, str]]]
Scan = Callable[[str, Path], object]  # scans the URL, writing the reports to PATH/out


def audit(
    root: Path,
    serving: Serving,
    *,
    clean_urls: bool = False,
    listed: tuple[str, ...] = (),
    scan: Scan = run_siteaudit,
    keep: Path | None = None,
) -> tuple[Audit, str]:
    """The real CLI's audit of `root` served as `serving` says, its URLs made relative
    (and, for clean URLs, named as the plain site names them), and how long it took and
    what the server answered, in words."""
    pages_of = DirectorySite(root, clean_urls=clean_urls, listed=listed)
    with (
        ServedSite(pages_of, serving) as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        started = time.monotonic()
        scan(site.url, Path(tmp))
        took = time.monotonic() - started
        report = json.loads((Path(tmp) / "out" / "report.json").read_text())
        if keep is not None:  # its database and reports, to look into if it differs
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp, keep)
        base = site.base
    # A clean URL's 301 is not in the plain site, and where it leads is named as it was.
    renamed = {
        p["final_url"]: p["url"] for p in report["pages"] if clean_urls and p["redirect_chain"]
    }

    redirected = set(renamed.values())

    def name(url: str) -> str:
        return renamed.get(url, url).removeprefix(base)

    pages = {
        name(p["url"]): (
            p["status"],
            p["depth"],
            "link" if clean_urls and p["found_via"] == "redirect" else p["found_via"],
            p["title"],
            p["size_bytes"],
            (p["error"] or {}).get("code"),
        )
        for p in report["pages"]
        if p["url"] not in redirected
    }
    findings = {
        (f["check_id"], name(f["url"]), f["locator"].replace(base, ""))
        for f in report["findings"]
        if f["check_id"] not in TIMING_CHECKS and f["url"] not in redirected
    }
    served = f"{took:.1f} s, {site.requests:,} requests"
    if serving.rate_limit:  # how near the limit the crawl kept, and how often it went past
        used = (site.requests - site.refusals) / serving.rate_limit / took
        served += f" ({site.refusals} refused; {used:.0%} of the rate allowed)"
    if serving.cut_every:
        served += f" ({site.cuts} dropped)"
    return (pages, findings), served


def compare(plain: Audit, served: Audit, allowed: frozenset[str]) -> tuple[bool, str]:
    """Same, and a line saying how they differ."""
    plain_pages, plain_findings = plain
    pages, findings = served
    changed = sorted(p for p in set(plain_pages) | set(pages) if plain_pages.get(p) != pages.get(p))
    lost = collections.Counter(c for c, *_ in plain_findings - findings if c not in allowed)
    extra = collections.Counter(c for c, *_ in findings - plain_findings if c not in allowed)
    same = not changed and not lost and not extra
    detail = f"{len(pages)} pages, {len(changed)} differ"
    if changed:
        first = changed[0]
        detail += f" (e.g. {first}: {plain_pages.get(first)} -> {pages.get(first)})"
    detail += f"; findings lost {dict(lost.most_common(4))}, added {dict(extra.most_common(4))}"
    return same, detail


@contextlib.contextmanager
def celery_scans() -> Iterator[Scan]:
    """Scans by two real Celery workers (bench/distributed.py's) until the end."""
    with bench_cluster("siteaudit-served-") as cluster:

        def scan(url: str, workdir: Path) -> None:
            env = {
                **cluster.environment(),
                "SITEAUDIT_CRAWL__MAX_PAGES": "100000",
                "SITEAUDIT_CRAWL__MAX_DEPTH": "1000",
                "SITEAUDIT_CRAWL__CHECK_EXTERNAL": "false",
            }
            command = [sys.executable, "-m", "siteaudit", "scan", url, "--engine", "celery"]
            command += ["--wait", "--quiet", "--out", str(workdir / "out")]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode not in (0, 1):  # 1: findings at --fail-on (none asked)
                raise SystemExit(f"siteaudit scan {url} --engine celery: {done.stderr[-2000:]}")

        yield scan


def main() -> int:
    """Serve, audit and compare every variation on each site."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", default="py,pg")
    parser.add_argument("--only", default=",".join(VARIATIONS))
    parser.add_argument("--engine", choices=("local", "celery"), default="local")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the database and reports of each variation that differs in DIR/SITE-NAME",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        scan = stack.enter_context(celery_scans()) if args.engine == "celery" else run_siteaudit
        return compare_all(args.sites.split(","), args.only.split(","), scan, args.keep)


def compare_all(sites: list[str], names: list[str], scan: Scan, keep: Path | None) -> int:
    """Each site's plain audit (embedded engine), then each variation's by `scan`."""
    subprocess.run(  # installs the sites' pages where they are missing
        ["bash", str(SHARED / "corpus" / "serve.sh"), "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    compile_bytecode()
    failed = []
    for key in sites:
        root = SITES[key]
        plain, served = audit(root, PLAIN, keep=None if keep is None else keep / f"{key}-reference")
        print(
            f"\n{root}: served plainly, {len(plain[0])} pages, {len(plain[1])} findings, {served}"
        )
        for name in names:
            how = VARIATIONS[name]
            # Listed: the plain site's pages (its robots.txt and sitemap list nothing else).
            listed = (
                tuple(sorted(p for p, row in plain[0].items() if row[0] == 200))
                if how.sitemap
                else ()
            )
            last = None if keep is None else keep / "last"
            audited, served = audit(
                root, how.serving, clean_urls=how.clean_urls, listed=listed, scan=scan, keep=last
            )
            same, detail = compare(plain, audited, how.allowed)
            verdict = "same" if same else "DIFFERENT"
            print(f"  {name:<24}{verdict:<11}{detail}; {served}", flush=True)
            if not same:
                failed.append(f"{key}/{name}")
                if keep is not None:  # kept for a look: DIR/SITE-NAME
                    shutil.rmtree(keep / f"{key}-{name}", ignore_errors=True)
                    (keep / "last").rename(keep / f"{key}-{name}")
    if keep is not None:
        shutil.rmtree(keep / "last", ignore_errors=True)
    verdict = f"DIFFERENT: {', '.join(failed)}" if failed else "every variation audited the same"
    print(f"\n{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
