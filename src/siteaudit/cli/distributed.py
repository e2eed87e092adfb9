"""CLI commands of the distributed engine: worker, beat, db, cancel, dead-letters.

Celery is imported only when one of these runs, so `siteaudit scan` starts as fast as it
did before the distributed engine existed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from siteaudit.cli.display import ProgressDisplay
from siteaudit.errors import SiteauditError
from siteaudit.logs import configure_logging
from siteaudit.model import ScanSpec
from siteaudit.settings import Settings, load_settings
from siteaudit.storage.database import open_store

if TYPE_CHECKING:
    from siteaudit.engines.runner import ScanOutcome

QUEUE_HELP = "Only consume these queues (repeat), e.g. -Q scan.analysis; default: all."


def _fail(message: str) -> None:
    raise click.ClickException(message)


def submit_and_follow(
    settings: Settings, spec: ScanSpec, *, wait: bool, quiet: bool
) -> ScanOutcome | None:
    """Submit a distributed scan; with `wait`, follow it to the end and return its outcome."""
    from siteaudit.engines.celery import service  # noqa: PLC0415 (Celery only when used)

    scan_id, published = service.submit(settings, spec)
    if not published:
        click.echo(
            f"siteaudit: the broker is unreachable; scan {scan_id} will start when it is back",
            err=True,
        )
    if not wait:
        click.echo(f"Scan {scan_id} submitted; follow it with `siteaudit scans`.")
        return None
    configure_logging(logging.WARNING)
    with ProgressDisplay(quiet=quiet) as display:
        return service.follow(settings, scan_id, display.update)


@click.command()
@click.option("-Q", "--queue", "queues", multiple=True, help=QUEUE_HELP)
@click.option("--concurrency", type=click.IntRange(1, 256), help="Pool processes (default: cores).")
@click.option(
    "-n", "--name", help="Node name, unique per worker on a host (default: celery@HOSTNAME)."
)
def worker(queues: tuple[str, ...], concurrency: int | None, name: str | None) -> None:
    """Run a Celery worker for distributed scans (SITEAUDIT_BROKER_URL, PostgreSQL)."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        service.run_worker(load_settings(), queues, concurrency, name)
    except SiteauditError as exc:
        _fail(str(exc))


@click.command()
@click.option(
    "--schedule-file",
    default=".siteaudit/celerybeat-schedule",
    show_default=True,
    help="Where beat keeps its own last-run times.",
)
def beat(schedule_file: str) -> None:
    """Run Celery beat: the reconciler and periodic scans (run exactly one)."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    Path(schedule_file).parent.mkdir(parents=True, exist_ok=True)
    try:
        service.run_beat(load_settings(), schedule_file)
    except SiteauditError as exc:
        _fail(str(exc))


@click.group()
def db() -> None:
    """Database administration."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration to SITEAUDIT_DATABASE_URL."""
    try:
        store = open_store(load_settings().database_url)
    except SiteauditError as exc:
        _fail(str(exc))
    store.engine.dispose()
    click.echo("database is at the newest schema")


@click.command()
@click.argument("scan_id", type=int)
def cancel(scan_id: int) -> None:
    """Cancel a distributed scan: no new request starts; pages stored so far are kept."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        status = service.cancel(load_settings(), scan_id)
    except (SiteauditError, LookupError) as exc:
        _fail(str(exc))
    click.echo(f"scan {scan_id}: {status.value}")


@click.group(name="dead-letters")
def dead_letters() -> None:
    """Pages that failed every attempt of the distributed engine."""


@dead_letters.command(name="list")
@click.option("--scan", "scan_id", type=int, help="Only this scan's.")
def list_letters(scan_id: int | None) -> None:
    """List dead letters, newest first."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        letters = service.dead_letters(load_settings(), scan_id)
    except SiteauditError as exc:
        _fail(str(exc))
    for letter in letters:
        redriven = f"redriven {letter.redriven_at:%Y-%m-%d %H:%M}" if letter.redriven_at else "-"
        click.echo(
            f"{letter.id}\tscan {letter.scan_id}\t{letter.step}\t{letter.attempts} attempts"
            f"\t{redriven}\t{letter.url}\t{letter.error}"
        )


@dead_letters.command()
@click.argument("letter_ids", type=int, nargs=-1, required=True)
def redrive(letter_ids: tuple[int, ...]) -> None:
    """Queue dead-lettered pages again, with fresh attempts."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        scans = service.redrive(load_settings(), letter_ids)
    except SiteauditError as exc:
        _fail(str(exc))
    click.echo(f"redriven into scan(s) {', '.join(map(str, scans)) or 'none'}")


@click.group()
def schedule() -> None:
    """Periodic scans, started by beat (cron expressions in UTC)."""


@schedule.command(name="add")
@click.argument("url")
@click.option("--cron", required=True, help="Five-field cron expression in UTC, e.g. '0 3 * * *'.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many URLs.")
def add_schedule(url: str, cron: str, max_pages: int | None) -> None:
    """Scan URL on a cron schedule."""
    from siteaudit.engines.celery import service  # noqa: PLC0415
    from siteaudit.engines.runner import make_spec  # noqa: PLC0415

    try:
        settings = load_settings()
        if max_pages is not None:
            settings.crawl = settings.crawl.model_copy(update={"max_pages": max_pages})
        schedule_id = service.add_schedule(settings, make_spec(settings, url, (), ()), cron)
    except SiteauditError as exc:
        _fail(str(exc))
    click.echo(f"schedule {schedule_id}: {url} at '{cron}' (UTC)")


@schedule.command(name="list")
def list_schedules() -> None:
    """List schedules."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        found = service.list_schedules(load_settings())
    except SiteauditError as exc:
        _fail(str(exc))
    for item in found:
        state = "enabled" if item.enabled else "disabled"
        click.echo(f"{item.id}\t{item.cron}\t{state}\t{item.spec.start_url}")


@schedule.command(name="remove")
@click.argument("schedule_id", type=int)
def remove_schedule(schedule_id: int) -> None:
    """Delete a schedule (scans it started are kept)."""
    from siteaudit.engines.celery import service  # noqa: PLC0415

    try:
        removed = service.remove_schedule(load_settings(), schedule_id)
    except SiteauditError as exc:
        _fail(str(exc))
    if not removed:
        _fail(f"there is no schedule {schedule_id}")
    click.echo(f"schedule {schedule_id} removed")


COMMANDS = (worker, beat, db, cancel, dead_letters, schedule)
