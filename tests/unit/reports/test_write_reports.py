"""write_reports: exactly the requested files, written atomically."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.unit.reports.report_factory import make_report

from siteaudit import reports
from siteaudit.reports import write_reports


def test_write_reports_writes_exactly_the_requested_files(tmp_path: Path) -> None:
    written = write_reports(make_report(), tmp_path, ["json", "csv"])

    assert written == {"json": tmp_path / "report.json", "csv": tmp_path / "findings.csv"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv", "report.json"]


def test_write_reports_writes_all_three_formats_as_utf8(tmp_path: Path) -> None:
    written = write_reports(make_report(), tmp_path / "new" / "dir", ("html", "json", "csv"))

    assert set(written) == {"html", "json", "csv"}
    assert json.loads(written["json"].read_text(encoding="utf-8"))["scan"]["id"] == 42
    assert written["html"].read_bytes().startswith(b"<!DOCTYPE html>")
    assert written["csv"].read_bytes().startswith(b"check_id,")


def test_write_reports_accepts_names_in_any_case_and_ignores_repeats(tmp_path: Path) -> None:
    written = write_reports(make_report(), tmp_path, ["JSON", "json", " html "])

    assert list(written) == ["json", "html"]


def test_write_reports_treats_a_single_string_as_one_format(tmp_path: Path) -> None:
    assert list(write_reports(make_report(), tmp_path, "json")) == ["json"]


def test_write_reports_rejects_an_unknown_format_naming_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'pdf'.*csv, html, json"):
        write_reports(make_report(), tmp_path, ["json", "pdf"])

    assert list(tmp_path.iterdir()) == []


def test_write_reports_replaces_old_files_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("old", encoding="utf-8")

    write_reports(make_report(), tmp_path, ["json"])

    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["scan"]["id"] == 42
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_reports_leaves_old_files_alone_when_a_renderer_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "report.json").write_text("old", encoding="utf-8")

    class Exploding(reports.HtmlWriter):
        def end(self) -> None:
            self._out.write("<html>half a report")
            raise RuntimeError("renderer bug")

    formats = dict(reports.FORMATS)
    formats["html"] = ("report.html", Exploding)
    monkeypatch.setattr(reports, "FORMATS", formats)

    with pytest.raises(RuntimeError):
        write_reports(make_report(), tmp_path, ["json", "html"])

    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


class CountingRows(tuple):  # type: ignore[type-arg]
    """A tuple that counts how often it is iterated, as rows streamed from storage would."""

    iterations = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).iterations += 1
        return super().__iter__()


def test_every_format_is_written_from_one_pass_over_pages_and_findings(tmp_path: Path) -> None:
    report = make_report()

    class Pages(CountingRows):
        iterations = 0

    class Findings(CountingRows):
        iterations = 0

    streamed = replace(
        report,
        pages=Pages(report.pages),
        findings=Findings(report.findings),
        stored_totals=report.totals,
    )
    written = write_reports(streamed, tmp_path, ["json", "html", "csv"])
    assert set(written) == {"json", "html", "csv"}
    assert (Pages.iterations, Findings.iterations) == (1, 1)
    assert written["json"].read_text(encoding="utf-8") == reports.render_json(report)
    assert written["csv"].read_bytes().decode() == reports.render_findings_csv(report)


def test_reports_written_by_two_processes_are_the_ones_one_process_writes(
    tmp_path: Path,
) -> None:
    serial = write_reports(make_report(), tmp_path / "one", ["json", "html", "csv"])
    parallel = write_reports(make_report(), tmp_path / "two", ["json", "html", "csv"], processes=2)

    assert {name: path.name for name, path in parallel.items()} == {
        name: path.name for name, path in serial.items()
    }
    for name, path in serial.items():
        assert parallel[name].read_bytes() == path.read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir()
    )


@pytest.mark.parametrize("failing", ["json", "html"], ids=["in-the-child", "in-the-parent"])
def test_a_renderer_failing_in_either_process_leaves_old_files_and_no_temporary_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    # The first format requested is written by the forked child, the others here.
    (tmp_path / "report.json").write_text("old", encoding="utf-8")
    base = {"json": reports.JsonWriter, "html": reports.HtmlWriter}[failing]

    class Exploding(base):  # type: ignore[valid-type,misc]
        def end(self) -> None:
            raise RuntimeError(f"{failing} renderer bug")

    formats = dict(reports.FORMATS)
    formats[failing] = (formats[failing][0], Exploding)
    monkeypatch.setattr(reports, "FORMATS", formats)

    with pytest.raises(RuntimeError, match=f"{failing} renderer bug"):
        write_reports(make_report(), tmp_path, ["json", "html", "csv"], processes=2)

    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
