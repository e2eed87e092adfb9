"""Site checks shared with a forked child: the same findings and errors as on one core,
and a child that dies leaves nothing undone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from tests.unit.pipeline.factories import URL, make_site, make_site_page
from tests.unit.pipeline.test_analysis import make_site_check

from siteaudit.checks.base import Check, CheckContext, Failed, failed
from siteaudit.engines.site_checks import analyze_site_on_two_cores
from siteaudit.model import Finding
from siteaudit.model.site import Site
from siteaudit.pipeline.analysis import analyze_site

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


PARENT = os.getpid()


def _both_processes_take_part(marks: Path | None) -> None:
    """Record this process; in the parent, wait until the child has started a check too
    (else the parent could take every check before the child is even scheduled)."""
    if marks is None:  # on one core: nobody to wait for
        return
    with marks.open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 10
    while os.getpid() == PARENT and time.monotonic() < deadline:
        if any(int(line) != PARENT for line in marks.read_text(encoding="utf-8").split()):
            return
        time.sleep(0.005)


def _naming(tag: str, marks: Path | None) -> Check:
    def names_pages(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        _both_processes_take_part(marks)
        for page in site.pages:
            yield failed(f"{tag} on this page.", url=page.url, locator=tag)

    return make_site_check(names_pages, id=f"names-{tag}")


def _exploding(marks: Path | None) -> Check:
    def explodes(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        _both_processes_take_part(marks)
        yield failed("Before the crash.", url=URL + "/x")
        raise RuntimeError("boom")

    return make_site_check(explodes, id="explodes")


def _quiet(marks: Path | None) -> Check:
    def quiet(site: Site, ctx: CheckContext) -> Iterator[Failed]:
        _both_processes_take_part(marks)
        return iter(())

    return make_site_check(quiet, id="quiet")


class FileSink:
    """Findings appended to a file that both processes share, one line each."""

    def __init__(self, path: Path, *, kill_child_after: int | None = None) -> None:
        self.path = path
        self.parent = os.getpid()
        self.kill_child_after = kill_child_after

    def __call__(self, batch: Sequence[Finding]) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write("".join(f"{f.check_id} {f.url} {f.locator}\n" for f in batch))
        if self.kill_child_after is not None and os.getpid() != self.parent:
            os._exit(9)  # the child dies right after storing a check's findings

    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()


SITE = make_site([make_site_page(f"{URL}/{n}") for n in range(5)])


def _checks(marks: Path | None = None) -> list[Check]:
    if marks is not None:
        marks.touch()
    return [
        _naming("a", marks),
        _exploding(marks),
        *(_naming(tag, marks) for tag in "bcdefgh"),
        _quiet(marks),
    ]


def test_two_cores_store_the_same_findings_and_errors_as_one(tmp_path: Path) -> None:
    one, two = FileSink(tmp_path / "one"), FileSink(tmp_path / "two")
    serial = analyze_site(SITE, _checks(), URL, sink=one)
    forked = analyze_site_on_two_cores(SITE, _checks(tmp_path / "marks"), URL, two)
    assert sorted(two.lines()) == sorted(one.lines())
    assert len(one.lines()) == 8 * 5 + 1
    assert forked.errors == serial.errors == (("explodes", "RuntimeError: boom"),)
    assert forked.findings == ()


def test_checks_a_dead_child_had_claimed_run_in_this_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = FileSink(tmp_path / "findings", kill_child_after=1)
    result = analyze_site_on_two_cores(SITE, _checks(tmp_path / "marks"), URL, sink)
    expected = FileSink(tmp_path / "expected")
    analyze_site(SITE, _checks(), URL, sink=expected)
    # Whatever the child stored before it died is stored again here: a set, not a list,
    # as the database's fingerprint key makes it.
    assert set(sink.lines()) == set(expected.lines())
    assert result.errors == (("explodes", "RuntimeError: boom"),)
    assert "run here again" in caplog.text


def test_without_a_process_to_fork_every_check_runs_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    sink, expected = FileSink(tmp_path / "findings"), FileSink(tmp_path / "expected")
    result = analyze_site_on_two_cores(SITE, _checks(), URL, sink)
    analyze_site(SITE, _checks(), URL, sink=expected)
    assert sorted(sink.lines()) == sorted(expected.lines())
    assert result.errors == (("explodes", "RuntimeError: boom"),)
