"""The `siteaudit` command: scan a site, run the demo, list checks and past scans.

Exit codes: 0 success; 1 findings at or above `--fail-on`; 2 usage errors and failed scans;
130 when the user interrupted the scan (it is stored as cancelled).
"""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import click

from siteaudit import __version__
from siteaudit.checks.catalogue import load_catalogue
from siteaudit.checks.docs import render_docs, write_docs
from siteaudit.cli.display import ProgressDisplay, summary_tables
from siteaudit.cli.distributed import COMMANDS, submit_and_follow
from siteaudit.engines.claims import is_running
from siteaudit.engines.runner import (
    ScanOutcome,
    build_catalogue,
    make_spec,
    resume_scan,
    run_scan,
)
from siteaudit.errors import ReportWriteError, ScanStoppedError, SiteauditError
from siteaudit.logs import configure_logging
from siteaudit.model import Category, ScanSpec, ScanStatus, Severity
from siteaudit.model.report import crawl_notices
from siteaudit.pipeline.ports import ScanStore
from siteaudit.pipeline.reporting import with_check_infos
from siteaudit.reports import PreparedReports, make_report_dir, write_reports
from siteaudit.settings import CrawlSettings, Settings, load_settings
from siteaudit.storage.database import open_store

FORMATS = ("json", "html", "csv")
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
# Page findings from which the CSV and JSON reports are worth starting when the crawl ends
# (a fork: ~6 ms).
PREPARE_FINDINGS = 2_000


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit 2."""
    click.echo(f"siteaudit: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """The `--out` and `--format` options of the commands that write reports."""
    command = click.option(
        "--format",
        "formats",
        default="json,html,csv",
        show_default=True,
        help="Comma-separated report formats: json, html, csv.",
    )(command)
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write reports here (default: .siteaudit/reports/scan-ID).",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="siteaudit")
def main() -> None:
    """Crawl a website, audit every page, score it and write a report."""


@main.command()
@click.argument("url", required=False)
@click.option(
    "--resume",
    "resume_id",
    type=int,
    metavar="SCAN_ID",
    help="Continue an interrupted scan without refetching stored pages.",
)
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many URLs.")
@click.option("--max-depth", type=click.IntRange(min=0), help="Links to follow from the start.")
@click.option("--concurrency", type=click.IntRange(1, 512), help="Simultaneous requests.")
@click.option(
    "--delay",
    "delay_s",
    type=click.FloatRange(0, 60),
    metavar="SECONDS",
    help="Wait at least this long between two requests to the site (a rate limit).",
)
@click.option(
    "--include",
    multiple=True,
    help="Only crawl URLs matching this regex, and the start URL (repeat).",
)
@click.option(
    "--exclude",
    multiple=True,
    help="Skip URLs matching this regex, except the start URL: neither crawled nor checked,"
    " on any host (repeat).",
)
@report_options
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    help="Exit 1 when findings at or above this severity exist.",
)
@click.option("--quiet", is_flag=True, help="No progress and no summary; errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--no-robots", is_flag=True, help="Ignore robots.txt (your own site only).")
@click.option("--no-external", is_flag=True, help="Do not check links to other hosts.")
@click.option(
    "--no-resources",
    is_flag=True,
    help="Do not check the images, scripts and stylesheets pages load.",
)
@click.option(
    "--follow-nofollow",
    is_flag=True,
    help="Follow rel=nofollow links too (not followed by default).",
)
@click.option(
    "--subdomains",
    is_flag=True,
    help="Crawl the start host's subdomains too (each obeys its own robots.txt).",
)
@click.option(
    "--strip-param",
    "strip_params",
    multiple=True,
    metavar="NAME",
    help="Drop this query parameter from the site's URLs; 'utm_*' patterns work (repeat).",
)
@click.option(
    "--resolve",
    "pinned",
    multiple=True,
    metavar="HOST:ADDRESS",
    help="Connect to ADDRESS for HOST, as a hosts file would (a staging server; repeat).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Send this header with every request (repeat).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also trust the CA certificates in this PEM file (a company's own CA).",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Do not verify the site's TLS certificate (a staging server's self-signed one).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "celery"]),
    default="local",
    show_default=True,
    help="local: this process; celery: submit to the workers (PostgreSQL, a broker).",
)
@click.option("--wait", is_flag=True, help="With --engine celery: follow the scan to its end.")
def scan(
    *,
    url: str | None,
    resume_id: int | None,
    out_dir: Path | None,
    formats: str,
    fail_on: str | None,
    quiet: bool,
    as_json: bool,
    engine: str,
    wait: bool,
    **options: Any,
) -> None:
    """Audit the site at URL and write its reports (or continue one with --resume)."""
    chosen = _parse_formats(formats)
    if (url is None) == (resume_id is None):
        raise click.UsageError("give a URL to scan, or --resume SCAN_ID (not both)")
    if engine == "celery" and not wait and (out_dir is not None or fail_on is not None):
        # Submitted, the scan runs on the workers after this command ends: nothing would
        # write the reports or judge the findings (an --out folder was made and left empty).
        raise click.UsageError(
            "--out and --fail-on act when the scan ends: with --engine celery add --wait, or"
            " write the reports later with `siteaudit report SCAN_ID --out FOLDER`"
        )
    crawl = _crawl_overrides(options)
    # Large scans start writing the CSV and JSON reports when their crawl ends
    # (reports/prepared.py).
    ahead = PreparedReports(chosen) if engine == "local" else None
    try:
        try:
            if out_dir is not None:
                make_report_dir(out_dir)  # a path that cannot hold them fails now
            settings = load_settings()
            settings.crawl = settings.crawl.model_copy(update=crawl)
            if engine == "celery":
                if resume_id is not None:
                    raise click.UsageError("--resume is for the local engine; Celery scans recover")
                spec = make_spec(settings, str(url), options["include"], options["exclude"])
                followed = submit_and_follow(settings, spec, wait=wait, quiet=quiet or as_json)
                if followed is None:
                    return
                outcome = followed
            elif resume_id is not None:
                outcome = _run(
                    settings, resume_id, quiet=quiet or as_json, ahead=ahead, out_dir=out_dir
                )
            else:
                assert url is not None
                spec = make_spec(settings, url, options["include"], options["exclude"])
                outcome = _run(settings, spec, quiet=quiet or as_json, ahead=ahead, out_dir=out_dir)
        except ScanStoppedError as exc:
            _stopped(exc)
        except SiteauditError as exc:
            fail(str(exc))
        _exit(_finish(outcome, out_dir, chosen, fail_on, quiet=quiet, as_json=as_json, ahead=ahead))
    finally:
        if ahead is not None:
            ahead.abandon()  # a scan that ended without reports, or an error on the way


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".siteaudit/demo"),
    show_default=True,
    help="Write reports here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def demo(out_dir: Path, as_json: bool) -> None:
    """Serve the bundled demo shop on 127.0.0.1 and audit it."""
    from siteaudit.demo.server import DemoServer  # noqa: PLC0415 (http.server: the demo only)

    with DemoServer() as server:
        if not as_json:
            click.echo(f"Demo site serving at {server.url}", err=True)
        try:
            settings = load_settings()
            outcome = _run(settings, make_spec(settings, server.url, (), ()), quiet=as_json)
        except ScanStoppedError as exc:
            _stopped(exc)
        except SiteauditError as exc:
            fail(str(exc))
    _exit(_finish(outcome, out_dir, FORMATS, None, quiet=False, as_json=as_json))


@main.command(name="checks")
@click.option(
    "--category", type=click.Choice([c.value for c in Category]), help="Only this category."
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the Markdown docs of every built-in check here (e.g. docs/checks) instead.",
)
def list_checks(category: str | None, docs_dir: Path | None) -> None:
    """List the check catalogue: id, category, severity, title."""
    if docs_dir is not None:
        # Docs describe the defaults, so neither siteaudit.toml nor installed packs apply.
        written = write_docs(render_docs(load_catalogue(plugins=False)), docs_dir)
        click.echo(f"Wrote {len(written)} files to {docs_dir}")
        return
    try:
        catalogue = build_catalogue(load_settings())
    except SiteauditError as exc:
        fail(str(exc))
    for item in catalogue:
        if category is None or item.category == category:
            click.echo(f"{item.id}\t{item.category}\t{item.severity}\t{item.title}")


@main.command(name="scans")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
def list_scans(limit: int) -> None:
    """List recent scans stored in the database."""
    try:
        store = open_store(load_settings().database_url)
    except SiteauditError as exc:
        fail(str(exc))
    interrupted = False
    for info in store.list_scans(limit):
        status = str(info.status)
        if not info.status.is_terminal and info.runner and is_running(info.runner) is False:
            status = f"interrupted ({status})"  # its process is gone
            interrupted = True
        click.echo(f"{info.id}\t{status}\t{info.created_at:%Y-%m-%d %H:%M}\t{info.start_url}")
    if interrupted:
        click.echo("Continue an interrupted scan with `siteaudit scan --resume ID`.", err=True)


@main.command(name="report")
@click.argument("scan_id", type=int)
@report_options
def write_report(scan_id: int, out_dir: Path | None, formats: str) -> None:
    """Write the reports of stored scan SCAN_ID again (another format, another folder, or
    a scan whose reports were interrupted); an unfinished scan's cover its stored pages."""
    chosen = _parse_formats(formats)
    try:
        settings = load_settings()
        store = open_store(settings.database_url)
        report = with_check_infos(store.load_report(scan_id), build_catalogue(settings))
        status = report.scan.status
        if not status.is_terminal:
            click.echo(
                f"siteaudit: scan {scan_id} is {status.value}: the reports cover the"
                f" {len(report.pages):,} pages it stored",
                err=True,
            )
        target = _report_dir(out_dir, scan_id)
        paths = write_reports(report, target, chosen, processes=2)
    except SiteauditError as exc:
        fail(str(exc))
    for fmt, path in paths.items():
        click.echo(f"{fmt.upper()} report: {path}")


@main.command(name="links")
@click.argument("scan_id", type=int)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV here (default: standard output).",
)
def export_links(scan_id: int, out_file: Path | None) -> None:
    """Export every link of scan SCAN_ID as CSV: source, target, anchor text, rel, where on
    the page (navigation, header, footer, aside, content) and what the target answered."""
    from siteaudit.reports.csv_report import write_links_csv  # noqa: PLC0415

    try:
        store = open_store(load_settings().database_url)
        rows = store.link_rows(scan_id)
        if out_file is None:
            write_links_csv(rows, sys.stdout)
            return
        temp = out_file.with_name(f".{out_file.name}.tmp")
        with temp.open("w", encoding="utf-8", newline="") as out:
            count = write_links_csv(rows, out)
        temp.replace(out_file)
    except SiteauditError as exc:
        fail(str(exc))
    click.echo(f"{count:,} links written to {out_file}", err=True)


def _parse_headers(headers: tuple[str, ...]) -> dict[str, str]:
    """`--header 'Name: value'` options as a dict (UsageError for one without a colon)."""
    parsed: dict[str, str] = {}
    for header in headers:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            raise click.UsageError(f"--header {header!r}: expected 'Name: value'")
        parsed[name.strip()] = value.strip()
    try:
        return CrawlSettings.sendable_headers(parsed)
    except ValueError as exc:
        raise click.UsageError(f"--header: {exc}") from None


# The scan command's flags that set a `crawl` setting, with the value each sets.
_FLAGS = {
    "no_robots": ("respect_robots", False),
    "no_external": ("check_external", False),
    "no_resources": ("check_resources", False),
    "follow_nofollow": ("follow_nofollow", True),
    "subdomains": ("subdomains", True),
    "insecure": ("verify_tls", False),
}


def _crawl_overrides(options: dict[str, Any]) -> dict[str, Any]:
    """The `crawl` settings the scan command's options override: the limits given, as they
    are, the flags set, and the options that need parsing (UsageError for a bad one)."""
    crawl: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value is False or value == () or name in ("include", "exclude"):
            continue  # not given (`is`: --max-depth 0 is given); include/exclude: the spec
        if name in _FLAGS:
            setting, flag_value = _FLAGS[name]
            crawl[setting] = flag_value
        elif name == "strip_params":
            crawl["strip_params"] = list(value)
        elif name == "pinned":
            crawl["hosts"] = _parse_hosts(value)
        elif name == "headers":
            crawl["headers"] = _parse_headers(value)
        elif name == "ca_bundle":
            try:
                crawl["ca_bundle"] = CrawlSettings.readable_bundle(value)
            except ValueError as exc:
                raise click.UsageError(f"--ca-bundle: {exc}") from None
        else:  # a limit: --max-pages, --delay ...
            crawl[name] = value
    return crawl


def _parse_hosts(pinned: tuple[str, ...]) -> dict[str, str]:
    """`--resolve HOST:ADDRESS` options as a dict (UsageError for a malformed one)."""
    parsed: dict[str, str] = {}
    for item in pinned:
        host, colon, address = item.partition(":")
        if not colon:
            raise click.UsageError(f"--resolve {item!r}: expected HOST:ADDRESS")
        parsed[host.strip()] = address.strip().strip("[]")
    try:
        return CrawlSettings.pinned_addresses(parsed)
    except ValueError as exc:
        raise click.UsageError(f"--resolve: {exc}") from None


def _parse_formats(formats: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown format(s) {unknown}; use {', '.join(FORMATS)}", param_hint="--format"
        )
    return chosen


def _stopped(exc: ScanStoppedError) -> NoReturn:
    """A second Ctrl-C during the scan: say what is kept and leave at once, no reports."""
    click.echo(f"siteaudit: {exc}", err=True)
    _exit(EXIT_INTERRUPTED)


def _exit(code: int) -> NoReturn:
    """Exit with `code`, sparing the interpreter's last collections the scan's heap.

    Everything still alive (caches, the catalogue, modules) is frozen first: the collections
    run while the interpreter shuts down then skip it, which took 0.19 s after a scan of the
    PostgreSQL manual. Exit handlers, file closing and finalizers still run as usual.
    """
    gc.freeze()
    sys.exit(code)


def _run(
    settings: Settings,
    target: ScanSpec | int,
    *,
    quiet: bool,
    ahead: PreparedReports | None = None,
    out_dir: Path | None = None,
) -> ScanOutcome:
    """Run a new scan of a spec, or resume the stored scan with that id.

    With `ahead`, the CSV and JSON reports start being written when the crawl ends (large
    scans).
    """
    configure_logging(logging.WARNING)

    def prepare(store: ScanStore, scan_id: int) -> None:
        assert ahead is not None
        page_findings = store.report_findings(scan_id, of_site=False)
        if len(page_findings) >= PREPARE_FINDINGS:
            ahead.start(
                lambda: store.report_pages(scan_id),
                lambda: page_findings,
                lambda: store.report_findings(scan_id, of_site=True),
                _report_dir(out_dir, scan_id),
            )

    hook = prepare if ahead is not None and ahead.formats else None
    with ProgressDisplay(quiet=quiet) as display:
        run = partial(
            resume_scan if isinstance(target, int) else run_scan,
            on_progress=display.update,
            on_crawled=hook,
            on_stop=display.stopping,
        )
        return run(settings, target)


def _report_dir(out_dir: Path | None, scan_id: int) -> Path:
    return out_dir or Path(".siteaudit/reports") / f"scan-{scan_id}"


def _finish(
    outcome: ScanOutcome,
    out_dir: Path | None,
    formats: tuple[str, ...],
    fail_on: str | None,
    *,
    quiet: bool,
    as_json: bool,
    ahead: PreparedReports | None = None,
) -> int:
    """Write the reports and print the summary; the exit code. Ctrl-C while the reports are
    written keeps the stored scan and says how to write them."""
    report = outcome.report
    target = _report_dir(out_dir, report.scan.id)
    # Two processes: the CLI has no threads of its own left at this point (see write_reports).
    try:
        paths = (
            write_reports(report, target, formats, processes=2, prepared=ahead)
            if report.pages
            else {}
        )
    except KeyboardInterrupt:  # the scan is stored; only its reports are missing
        click.echo(
            f"siteaudit: interrupted while writing the reports of scan {report.scan.id}"
            f" ({outcome.status.value}); `siteaudit report {report.scan.id}` writes them",
            err=True,
        )
        return EXIT_INTERRUPTED
    except ReportWriteError as exc:  # the folder or the disk: the scan is stored all the same
        click.echo(
            f"siteaudit: error: {exc}; scan {report.scan.id} is stored"
            f" ({outcome.status.value}): `siteaudit report {report.scan.id} --out FOLDER`"
            " writes its reports",
            err=True,
        )
        return EXIT_ERROR
    status = report.scan.status
    failing = _failing(report, fail_on)
    if as_json:
        click.echo(json.dumps(_json_summary(outcome, paths, failing), indent=2))
    elif not quiet:
        from rich.console import Console  # noqa: PLC0415 (Rich only when shown)

        console = Console()
        for table in summary_tables(report):
            console.print(table)
        click.echo(
            f"Scan {report.scan.id}: {status.value}, {len(report.pages)} pages, "
            f"{len(report.findings)} findings"
        )
        for notice in crawl_notices(report.scan):
            click.echo(notice)
        for fmt, path in paths.items():
            click.echo(f"{fmt.upper()} report: {path}")
    if status == ScanStatus.FAILED:
        click.echo(f"siteaudit: error: scan failed: {report.scan.error}", err=True)
        return EXIT_ERROR
    if status == ScanStatus.CANCELLED:
        click.echo(
            f"siteaudit: scan {report.scan.id} cancelled; {len(report.pages)} pages stored",
            err=True,
        )
        return EXIT_INTERRUPTED
    return EXIT_FINDINGS if failing else 0


def _failing(report: Any, fail_on: str | None) -> int:
    if fail_on is None:
        return 0
    threshold = Severity(fail_on).rank
    by_severity = report.totals.findings_by_severity
    return sum(count for severity, count in by_severity.items() if severity.rank <= threshold)


def _json_summary(outcome: ScanOutcome, paths: dict[str, Path], failing: int) -> dict[str, Any]:
    report = outcome.report
    return {
        "scan_id": report.scan.id,
        "status": report.scan.status.value,
        "error": report.scan.error,
        "start_url": report.scan.start_url,
        "pages": len(report.pages),
        "findings": len(report.findings),
        "findings_at_or_above_fail_on": failing,
        "site_score": report.scores.site,
        "categories": {c.category.value: c.score for c in report.scores.categories},
        "reports": {fmt: str(path) for fmt, path in paths.items()},
        "notices": list(crawl_notices(report.scan)),
    }


for _command in COMMANDS:
    main.add_command(_command)
