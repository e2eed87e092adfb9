#!/usr/bin/env python3
"""Peer agreement: Lighthouse's SEO audits vs siteaudit's equivalent checks, page by page.

For each corpus site (../shared/corpus/serve.sh: Python docs on :8081, PostgreSQL manual on
:8082) it runs one siteaudit scan, picks 20 working HTML pages of it (shallowest first), runs
Lighthouse on each (categories seo and best-practices, headless Chromium) and, for every
Lighthouse SEO audit that has a siteaudit equivalent, prints whether the two agree on the
page. A disagreement is printed with the reason, from REASONS when siteaudit differs on
purpose. Not part of CI: it needs Chromium and Node.

Setup (once): npm install --prefix /tmp/siteaudit-lh lighthouse; apt-get install chromium.
Usage: bench/lighthouse_agreement.py [--pages 20] [--sites py,pg] [--jobs 4]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SITES = {"py": "http://127.0.0.1:8081/", "pg": "http://127.0.0.1:8082/"}
LIGHTHOUSE = Path(os.environ.get("LH_PREFIX", "/tmp/siteaudit-lh")) / "node_modules/.bin/lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
# Lighthouse SEO audit -> the siteaudit checks whose findings mean the same failure.
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "document-title": ("title", "title-empty"),
    "meta-description": ("meta-description", "meta-description-empty"),
    "http-status-code": ("status-4xx", "status-5xx"),
    "link-text": ("link-text-generic",),
    "crawlable-anchors": (),
    "is-crawlable": ("noindex",),
    "image-alt": ("image-alt",),
    "hreflang": ("hreflang-code",),
    "canonical": ("canonical-multiple", "canonical-target-broken"),
    "robots-txt": ("robots-txt-syntax", "robots-txt-unreachable"),
}
TIMEOUT_S = 240
SITE_WIDE = frozenset({"robots-txt"})  # judged once per site; findings name robots.txt
# Why siteaudit may rightly disagree, per audit and direction.
REASONS: dict[tuple[str, str], str] = {
    ("crawlable-anchors", "lighthouse fails"): (
        "siteaudit has no crawlable-anchors check: an <a> without an href, or with a "
        "javascript: href, is not a link to its extractor, so it never reaches the link "
        "graph. Lighthouse fails the page on such anchors (often in-page named anchors such "
        "as <a name=...> or id targets in generated docs), which are not crawl problems."
    ),
    ("image-alt", "lighthouse fails"): (
        "Lighthouse's image-alt (axe) also fails role=img elements and <input type=image>; "
        'siteaudit\'s image-alt looks at <img> only and accepts alt="" as decorative.'
    ),
    ("image-alt", "siteaudit fails"): (
        "siteaudit reads the served HTML; Lighthouse the rendered DOM, where scripts may have "
        "removed or changed the images."
    ),
    ("link-text", "siteaudit fails"): (
        "siteaudit's blocklist is Lighthouse's, but it judges every link; Lighthouse skips "
        "links to the same page (fragments) and javascript: links."
    ),
    ("link-text", "lighthouse fails"): (
        "Lighthouse also fails rendered links added by scripts, which siteaudit does not see."
    ),
    ("canonical", "lighthouse fails"): (
        "Lighthouse fails a canonical pointing to the site root from a non-root page and "
        "relative canonicals; siteaudit resolves relative canonicals (as Google does) and "
        "reports canonicals to other pages with canonical-mismatch, which is not counted "
        "here because Lighthouse passes canonicals to other pages of the same site."
    ),
    ("is-crawlable", "lighthouse fails"): (
        "Lighthouse also fails pages robots.txt blocks for Googlebot; siteaudit reports "
        "those with robots-blocked-linked and sitemap-url-blocked (site checks on the "
        "blocked URL, which the crawl never fetches, so they are not among these pages)."
    ),
    ("robots-txt", "lighthouse fails"): (
        "Lighthouse validates robots.txt against its own list of known directives; siteaudit "
        "parses per RFC 9309 and, like Google, accepts extension fields it does not use."
    ),
}


def main() -> int:
    """Run both tools on both sites and print the per-page agreement."""
    args = _parse()
    if not LIGHTHOUSE.exists():
        print(f"lighthouse not found at {LIGHTHOUSE}; npm install --prefix it first")
        return 2
    disagreements = 0
    for name in args.sites.split(","):
        base = SITES[name]
        with tempfile.TemporaryDirectory() as tmp:
            report = run_siteaudit(base, Path(tmp), args.max_pages)
        pages = pick_pages(report, args.pages)
        with ThreadPoolExecutor(args.jobs) as pool:
            audits = dict(zip(pages, pool.map(run_lighthouse, pages), strict=True))
        disagreements += print_site(base, report, audits)
    print(f"\nTotal disagreements: {disagreements}")
    return 0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=20, help="Pages per site.")
    parser.add_argument("--sites", default="py,pg", help="Comma-separated: py, pg.")
    parser.add_argument("--jobs", type=int, default=2, help="Lighthouse runs at once.")
    parser.add_argument("--max-pages", type=int, default=300, help="siteaudit's crawl limit.")
    return parser.parse_args()


def run_siteaudit(url: str, workdir: Path, max_pages: int) -> dict[str, Any]:
    """One siteaudit scan of the site; its report.json."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SITEAUDIT_")},
        "SITEAUDIT_CONFIG": os.devnull,
        "SITEAUDIT_DATABASE_URL": f"sqlite:///{workdir / 'scan.db'}",
        "SITEAUDIT_CRAWL__MAX_PAGES": str(max_pages),
    }
    cmd = [sys.executable, "-m", "siteaudit", "scan", url, "--quiet", "--format", "json"]
    subprocess.run([*cmd, "--out", str(workdir / "out")], env=env, check=True)
    report: dict[str, Any] = json.loads((workdir / "out" / "report.json").read_text())
    return report


def pick_pages(report: dict[str, Any], count: int) -> list[str]:
    """The shallowest working HTML pages of the scan, in a stable order."""
    pages = [
        p
        for p in report["pages"]
        if p["status"] == 200
        and (p["content_type"] or "").startswith("text/html")
        and p["final_url"] == p["url"]
    ]
    pages.sort(key=lambda p: (p["depth"], p["url"]))
    return [p["url"] for p in pages[:count]]


def run_lighthouse(url: str) -> dict[str, float | None] | str:
    """Lighthouse's score per compared audit (1 pass, 0 fail, None N/A), or why it failed."""
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=seo,best-practices",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--max-wait-for-load=30000",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    # A session of its own, so a timeout can end Lighthouse and the Chromium it started.
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"lighthouse timed out after {TIMEOUT_S} s"
    if proc.returncode != 0:
        return f"lighthouse exited {proc.returncode}: {stderr.strip()[-200:]}"
    audits = json.loads(stdout)["audits"]
    return {
        audit: (
            None
            if audits[audit]["scoreDisplayMode"] in ("notApplicable", "manual")
            else audits[audit]["score"]
        )
        for audit in EQUIVALENTS
        if audit in audits
    }


def failing_checks(report: dict[str, Any]) -> dict[str, set[str]]:
    """Check ids with findings, by URL."""
    by_url: dict[str, set[str]] = {}
    for finding in report["findings"]:
        by_url.setdefault(finding["url"], set()).add(finding["check_id"])
    return by_url


def print_site(
    base: str, report: dict[str, Any], audits: dict[str, dict[str, float | None] | str]
) -> int:
    """Print one site's table and disagreements; return how many there were."""
    failing = failing_checks(report)
    site_wide = set().union(*failing.values()) if failing else set()
    print(f"\n== {base}: {len(audits)} pages ==")
    print(f"{'page':<48} " + " ".join(f"{a[:14]:>14}" for a in EQUIVALENTS))
    notes: list[str] = []
    for url, scores in audits.items():
        if isinstance(scores, str):
            print(f"{url.removeprefix(base)[:47] or '/':<48} not compared: {scores}")
            continue
        cells = []
        for audit, checks in EQUIVALENTS.items():
            ours = site_wide if audit in SITE_WIDE else failing.get(url, set())
            cell, note = _compare(url, audit, scores.get(audit), ours & set(checks))
            cells.append(cell)
            notes.extend(note)
        print(f"{url.removeprefix(base)[:47] or '/':<48} " + " ".join(f"{c:>14}" for c in cells))
    for note in notes:
        print(note)
    return len(notes)


def _compare(
    url: str, audit: str, score: float | None, ours: set[str]
) -> tuple[str, Iterable[str]]:
    """The table cell and any disagreement note for one (page, audit)."""
    lh_fails = score is not None and score < 1
    sa_fails = bool(ours)
    if score is None and not sa_fails:
        return "n/a", []  # Lighthouse found nothing to judge; siteaudit found nothing wrong
    if lh_fails == sa_fails:
        return ("agree:fail" if lh_fails else "agree"), []
    side = "lighthouse fails" if lh_fails else "siteaudit fails"
    reason = REASONS.get((audit, side), "no known reason: investigate")
    detail = f" ({', '.join(sorted(ours))})" if ours else ""
    return "DIFFER", [f"- {url} {audit}: {side}{detail}. Reason: {reason}"]


if __name__ == "__main__":
    sys.exit(main())
