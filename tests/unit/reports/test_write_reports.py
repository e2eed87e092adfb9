"""write_reports: exactly the requested files, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import pytest
from tests.unit.reports.report_factory import make_report

from siteaudit import reports
from siteaudit.model.report import ScanReport
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

    def explode(report: ScanReport, out: TextIO) -> None:
        out.write("<html>half a report")
        raise RuntimeError("renderer bug")

    formats = dict(reports.FORMATS)
    formats["html"] = ("report.html", explode)
    monkeypatch.setattr(reports, "FORMATS", formats)

    with pytest.raises(RuntimeError):
        write_reports(make_report(), tmp_path, ["json", "html"])

    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
