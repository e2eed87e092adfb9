"""The findings CSV and the JSON report, written ahead by a child forked when the crawl ends.

Once the crawl has ended, the pages and the page checks' findings are final; only the site
checks' findings, the scores and the counts are still to come, and the site findings are
few. In report order (severity, check, URL, locator) each check's findings are one block,
and a site check's block never falls inside a page check's (their ids differ).

The child reads the pages and the page findings once, while the scan's process runs the
site checks and the scores, and spools what each format makes of them: the CSV rows, and
the JSON items of the pages and of the findings, noting where each block of findings starts
in each spool. Told to go on, it reads the report's head (scan, scores, counts, check
metadata: everything but the rows) from a file the scan's process wrote, reads the site
findings, and writes each file: the CSV's header, then the spooled blocks copied byte for
byte with each site block written at its place; the JSON document's head, the spooled pages,
the checks, then the findings spliced the same way. Each file is byte-identical to the one
written from the whole report at once (tests on SQLite and PostgreSQL).

The scan's process is left with the HTML report to write while the child finishes, and the
page findings are read from the database once instead of once per format (PostgreSQL
manual: 20,000 findings; see docs/architecture.md for the figures).

Whatever goes wrong in the child (it dies, a block key repeats) leaves `finish` without
that file; the caller then writes it the ordinary way. Only callers without threads of
their own fork (the CLI).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import pickle
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

from siteaudit.forking import leave_signals_to_the_parent, parent_only, release
from siteaudit.model import Finding
from siteaudit.model.report import PageRow, ScanReport
from siteaudit.reports.csv_report import CsvWriter
from siteaudit.reports.json_report import ITEM_SEPARATOR, JsonWriter, finding_text, page_text

logger = logging.getLogger(__name__)

Findings = Callable[[], Iterable[Finding]]
Pages = Callable[[], Iterable[PageRow]]
# The formats a child can prepare, with their file names (as `reports.FORMATS` names them).
PREPARABLE = {"csv": "findings.csv", "json": "report.json"}
_GO = b"g"
_COPY_CHUNK = 1 << 20
_SEPARATOR = ITEM_SEPARATOR.encode()


@dataclass(frozen=True, slots=True)
class _Files:
    """Where one preparation writes: each format's finished file, spools and the head."""

    out: dict[str, Path]  # format -> the finished file (a temporary name in the out dir)
    csv_rows: Path
    json_pages: Path
    json_findings: Path
    head: Path

    @classmethod
    def under(cls, out_dir: Path, formats: Iterable[str]) -> _Files:
        token = secrets.token_hex(6)
        return cls(
            out={name: out_dir / f".{PREPARABLE[name]}.{token}.tmp" for name in formats},
            csv_rows=out_dir / f".findings.csv.{token}.spool",
            json_pages=out_dir / f".report.json.{token}.pages.spool",
            json_findings=out_dir / f".report.json.{token}.findings.spool",
            head=out_dir / f".report.{token}.head",
        )

    def spools(self) -> tuple[Path, ...]:
        return (self.csv_rows, self.json_pages, self.json_findings)


class PreparedReports:
    """The findings CSV and the JSON report (those of `formats` asked for), whose page-level
    parts a forked child writes ahead of time."""

    def __init__(self, formats: Iterable[str]) -> None:
        wanted = set(formats)
        self.formats = tuple(name for name in PREPARABLE if name in wanted)
        self._pid: int | None = None
        self._go: int | None = None
        self._files: _Files | None = None

    @property
    def started(self) -> bool:
        """True once a child is preparing the files."""
        return self._pid is not None

    def start(
        self, pages: Pages, page_findings: Findings, site_findings: Findings, out_dir: Path
    ) -> None:
        """Fork the child: it spools `pages()` and `page_findings()` now, and reads
        `site_findings()` and writes the files into `out_dir` when `go` tells it to. No
        format to prepare, a directory that cannot be made or a fork that fails leave it not
        started (the files are then written as usual, and a directory problem is reported
        there): the scan itself never fails for it."""
        if not self.formats:
            return
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            go_out, go_in = os.pipe()
        except OSError as exc:
            logger.warning("the reports are not prepared ahead: %s", exc)
            return
        files = _Files.under(out_dir, self.formats)
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(go_out)
            os.close(go_in)
            logger.warning("the reports are not prepared ahead: %s", exc)
            return
        if pid == 0:  # the child: never returns
            os.close(go_in)
            _child(self.formats, (pages, page_findings, site_findings), files, go_out)
        os.close(go_out)
        parent_only(go_in)  # the child stops at its end of file: no later fork may hold it
        self._pid, self._go, self._files = pid, go_in, files

    def go(self, report: ScanReport) -> None:
        """Let the child write the files: every finding is stored, and `report` is the
        finished report (only its head is handed over; the child reads the rows itself)."""
        if self._go is None or self._files is None:
            return
        head = dataclasses.replace(report, pages=(), findings=(), stored_totals=report.totals)
        try:
            with self._files.head.open("xb") as out:
                pickle.dump(head, out, pickle.HIGHEST_PROTOCOL)
            os.write(self._go, _GO)
        except OSError as exc:  # no room for the head, or a child already gone
            logger.warning("the prepared reports cannot be finished: %s", exc)

    def finish(self) -> dict[str, Path]:
        """Wait for the child; the files it wrote, by format (possibly none: the caller
        writes the missing ones itself). Without a `go` first, the child writes nothing."""
        if self._go is None or self._files is None:
            return {}
        code = self._wait()
        ready = {name: path for name, path in self._files.out.items() if path.exists()}
        if code != 0 or len(ready) < len(self.formats):
            logger.warning("the prepared reports are missing; writing them again")
            self._remove()
            return {}
        self._files = None  # the files are the caller's now
        return ready

    def abandon(self) -> None:
        """Stop the child without files (the scan ended without reports)."""
        if self._go is not None:
            self._wait()
        self._remove()

    def _wait(self) -> int:
        assert self._pid is not None and self._go is not None
        release(self._go)
        os.close(self._go)  # without a go first, the child stops
        self._go = None
        _, status = os.waitpid(self._pid, 0)
        if self._files is not None:
            with contextlib.suppress(FileNotFoundError):
                self._files.head.unlink()
        return os.waitstatus_to_exitcode(status)

    def _remove(self) -> None:
        if self._files is not None:
            for path in self._files.out.values():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            self._files = None


def _child(
    formats: tuple[str, ...],
    sources: tuple[Pages, Findings, Findings],
    files: _Files,
    go: int,
) -> NoReturn:
    leave_signals_to_the_parent()
    os.nice(10)  # the site checks, on the scan's critical path, come first
    pages, page_findings, site_findings = sources
    code = 1
    try:
        blocks = _spool(formats, pages, page_findings(), files)
        if os.read(go, 1) == _GO:
            with files.head.open("rb") as source:
                head: ScanReport = pickle.load(source)
            if "csv" in formats:
                _splice_csv(files, blocks, site_findings())
            if "json" in formats:
                _splice_json(files, head, blocks, site_findings())
        code = 0
    except BaseException:
        logger.exception("preparing the reports failed")
        for path in files.out.values():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    finally:
        for path in files.spools():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        os._exit(code)


Key = tuple[int, str]  # a block's place in report order: severity rank, check id


@dataclass(frozen=True, slots=True)
class _Block:
    """One check's page findings in the spools: its key and where it starts in each."""

    key: Key
    csv_start: int
    json_start: int


def _key(finding: Finding) -> Key:
    return finding.severity.rank, finding.check_id


def _spool(
    formats: tuple[str, ...], pages: Pages, found: Iterable[Finding], files: _Files
) -> list[_Block]:
    """Write what each format makes of the pages and of `found` (in report order) to the
    spools; each block of findings, with its key and starts."""
    if "json" in formats:
        with files.json_pages.open("xb", buffering=_COPY_CHUNK) as out:
            for page in pages():
                out.write(_SEPARATOR + page_text(page).encode("utf-8"))
    blocks: list[_Block] = []
    with contextlib.ExitStack() as stack:
        csv_raw = json_raw = None
        rows = None
        if "csv" in formats:
            csv_raw = stack.enter_context(files.csv_rows.open("xb", buffering=_COPY_CHUNK))
            text = io.TextIOWrapper(csv_raw, encoding="utf-8", newline="", write_through=True)
            stack.callback(text.detach)  # the rows are in `csv_raw` (write-through)
            rows = CsvWriter(text)
        if "json" in formats:
            json_raw = stack.enter_context(files.json_findings.open("xb", buffering=_COPY_CHUNK))
        last: Key | None = None
        for finding in found:
            key = _key(finding)
            if key != last:
                csv_at = csv_raw.tell() if csv_raw is not None else 0
                json_at = json_raw.tell() if json_raw is not None else 0
                blocks.append(_Block(key, csv_at, json_at))
                last = key
            if rows is not None:
                rows.finding(finding)
            if json_raw is not None:
                json_raw.write(_SEPARATOR + finding_text(finding).encode("utf-8"))
    return blocks


def _merged(blocks: list[_Block], site: Iterable[Finding]) -> Iterator[Finding | int]:
    """Report order: each site finding, and in its place the index of each spooled block."""
    page_keys = {block.key for block in blocks}
    pending = iter(site)
    held = next(pending, None)

    def site_before(key: Key | None) -> Iterator[Finding]:
        nonlocal held
        while held is not None and (key is None or _key(held) < key):
            if _key(held) in page_keys:
                raise ValueError(f"check {held.check_id} has page and site findings")
            yield held
            held = next(pending, None)

    for index, block in enumerate(blocks):
        yield from site_before(block.key)
        yield index
    yield from site_before(None)


def _spans(starts: list[int], spool: Path) -> list[tuple[int, int]]:
    """Each block's (start, end) in `spool`, from the starts in order."""
    ends = [*starts[1:], spool.stat().st_size]
    return list(zip(starts, ends, strict=True))


def _splice_csv(files: _Files, blocks: list[_Block], site: Iterable[Finding]) -> None:
    """The CSV: the header, the spooled blocks, each site finding at its place."""
    spans = _spans([block.csv_start for block in blocks], files.csv_rows)
    with files.csv_rows.open("rb") as source, files.out["csv"].open("xb") as out:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        rows = CsvWriter(text)
        rows.header()
        for item in _merged(blocks, site):
            if isinstance(item, int):
                _copy(source, out, *spans[item])
            else:
                rows.finding(item)
        text.detach()
        _sync(out)


def _splice_json(
    files: _Files, head: ScanReport, blocks: list[_Block], site: Iterable[Finding]
) -> None:
    """The JSON document: its head, the spooled pages, the checks, then the findings with
    each site finding at its place; copied items lose the comma of the array's first."""
    spans = _spans([block.json_start for block in blocks], files.json_findings)
    with (
        files.json_pages.open("rb") as pages,
        files.json_findings.open("rb") as source,
        files.out["json"].open("xb") as out,
    ):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = JsonWriter(text)
        writer.begin(head)
        size = files.json_pages.stat().st_size
        if size:
            skip = 1 if writer.items_copied() else 0
            _copy(pages, out, skip, size)
        writer.pages_done()
        for item in _merged(blocks, site):
            if isinstance(item, int):
                start, end = spans[item]
                _copy(source, out, start + (1 if writer.items_copied() else 0), end)
            else:
                writer.finding(item)
        writer.end()
        text.detach()
        _sync(out)


def _copy(source: BinaryIO, out: BinaryIO, start: int, end: int) -> None:
    source.seek(start)
    size = end - start
    while size > 0:
        chunk = source.read(min(size, _COPY_CHUNK))
        if not chunk:
            raise EOFError("the spool file is shorter than its blocks")
        out.write(chunk)
        size -= len(chunk)


def _sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())
