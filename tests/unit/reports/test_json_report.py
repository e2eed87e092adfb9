"""The JSON report: schema-valid, complete, stable and safe for any crawled text."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from tests.unit.reports.report_factory import (
    make_finding,
    make_page,
    make_report,
    make_scan,
    make_scores,
)

from siteaudit.model import Category, ScanStatus, Severity
from siteaudit.reports import load_schema, render_json, report_to_dict


def validate(document: object) -> None:
    Draft202012Validator(load_schema()).validate(document)


def schema_errors(document: object) -> list[str]:
    return [error.message for error in Draft202012Validator(load_schema()).iter_errors(document)]


def test_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(load_schema())


def test_json_report_validates_against_the_published_schema() -> None:
    validate(json.loads(render_json(make_report())))


def test_json_report_round_trips_to_the_same_data() -> None:
    report = make_report()

    assert json.loads(render_json(report)) == report_to_dict(report)


def test_json_report_is_indented_and_ends_with_a_newline() -> None:
    text = render_json(make_report())

    assert text.startswith('{\n  "schema_version": "1.1",\n  "generator"')
    assert text.endswith("}\n")


def test_json_report_names_its_generator_and_schema_version() -> None:
    document = report_to_dict(make_report())

    assert document["schema_version"] == "1.1"
    assert document["generator"] == {"name": "siteaudit", "version": "0.1.0"}


def test_json_report_tells_what_the_crawl_left_out_in_words() -> None:
    scan = make_scan(
        settings={"max_pages": 500, "verify_tls": False, "check_external": True},
        counters={"discover/skipped/page-limit": 37},
    )
    notices = report_to_dict(make_report(scan=scan))["scan"]["notices"]  # type: ignore[index]

    assert len(notices) == 2
    assert "were not verified (--insecure)" in notices[0]
    assert "stopped at its limit of 500 pages: 37 more URLs" in notices[1]
    assert report_to_dict(make_report())["scan"]["notices"] == []  # type: ignore[index]


def test_a_1_0_document_without_notices_still_validates() -> None:
    document: Any = report_to_dict(make_report())
    document["schema_version"] = "1.0"
    del document["scan"]["notices"]

    assert schema_errors(document) == []


def test_json_report_lists_every_page_with_timings_redirects_and_errors() -> None:
    pages = {page["url"]: page for page in report_to_dict(make_report())["pages"]}  # type: ignore[attr-defined]

    assert len(pages) == 6
    assert pages["https://example.com/"]["timings"] == {"ttfb_ms": 84.5, "total_ms": 120.25}
    assert pages["https://example.com/blog"]["redirect_chain"] == [
        {"url": "https://example.com/blog", "status": 301, "location": "https://example.com/blog/"}
    ]
    assert pages["https://example.com/slow"]["error"] == {
        "code": "timeout",
        "message": "No complete response within 30 s.",
    }
    assert pages["https://example.com/about"]["error"] is None


def test_json_report_carries_every_finding_with_its_fingerprint() -> None:
    report = make_report()
    findings = report_to_dict(report)["findings"]

    assert isinstance(findings, list)
    assert len(findings) == len(report.findings)
    assert {f["fingerprint"] for f in findings} == {f.fingerprint for f in report.findings}
    assert findings[0]["severity"] == "critical"


def test_json_summary_counts_pages_by_status_class_and_findings_by_severity() -> None:
    summary: Any = report_to_dict(make_report())["summary"]

    assert summary["pages"] == 6
    assert summary["html_pages"] == 3
    assert summary["pages_by_status_class"] == {
        "1xx": 0,
        "2xx": 3,
        "3xx": 1,
        "4xx": 1,
        "5xx": 0,
        "failed": 1,
    }
    assert summary["findings_by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 2,
        "low": 1,
        "info": 0,
    }


def test_json_timestamps_are_iso_8601_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    scan = make_scan(
        created_at=datetime(2024, 5, 1, 12, 0, 0, tzinfo=paris),
        started_at=datetime(2024, 5, 1, 10, 0, 1),  # naive: taken as UTC
        finished_at=None,
    )
    document: Any = report_to_dict(make_report(scan=scan))

    assert document["scan"]["created_at"] == "2024-05-01T10:00:00.000Z"
    assert document["scan"]["started_at"] == "2024-05-01T10:00:01.000Z"
    assert document["scan"]["finished_at"] is None
    validate(document)


def test_json_survives_nul_bytes_and_lone_surrogates_in_crawled_text() -> None:
    nasty = "bad\x00title\ud800end\udfff"
    report = make_report(
        pages=(make_page(title=nasty, url="https://example.com/\ud83d"),),
        findings=(make_finding(evidence=nasty, message=nasty, url="https://example.com/\udcff"),),
    )

    text = render_json(report)
    document: Any = json.loads(text.encode("utf-8").decode("utf-8"))

    assert document["pages"][0]["title"] == "bad\x00title\ufffdend\ufffd"
    assert document["findings"][0]["url"] == "https://example.com/\ufffd"
    validate(document)


def test_json_findings_are_laid_out_as_json_dumps_indent_2_lays_them_out() -> None:
    odd = 'quote " backslash \\ tab \t line\nbreak é 中文 \u2028 \x01 %s %(x)s'
    report = make_report(
        findings=(
            make_finding(message=odd, evidence=odd, locator=odd),
            make_finding(url="https://example.com/ascii", message="plain"),
        )
    )

    text = render_json(report)

    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert odd in {finding["evidence"] for finding in json.loads(text)["findings"]}


def test_json_joins_surrogate_pairs_into_the_character_they_encode() -> None:
    report = make_report(pages=(make_page(title="smile \ud83d\ude00"),))

    assert json.loads(render_json(report))["pages"][0]["title"] == "smile \U0001f600"


def test_json_keeps_huge_text_whole() -> None:
    huge = "x" * 2_000_000
    report = make_report(findings=(make_finding(evidence=huge),))

    assert json.loads(render_json(report))["findings"][0]["evidence"] == huge


def test_json_turns_non_finite_numbers_into_null() -> None:
    report = make_report(
        scores=make_scores(site=math.nan),
        pages=(make_page(ttfb_ms=math.inf, total_ms=-math.inf),),
    )
    document: Any = json.loads(render_json(report))

    assert document["scores"]["site"] is None
    assert document["pages"][0]["timings"] == {"ttfb_ms": None, "total_ms": None}


def test_json_of_a_scan_without_scores_uses_null_and_validates() -> None:
    report = make_report(scores=replace(make_scores(site=None), categories=()))
    document: Any = json.loads(render_json(report))

    assert document["scores"] == {"site": None, "categories": []}
    validate(document)


def test_json_of_a_scan_without_findings_validates() -> None:
    document: Any = json.loads(render_json(make_report(findings=(), checks={})))

    assert document["findings"] == []
    assert document["summary"]["findings"] == 0
    validate(document)


def test_json_is_byte_identical_whatever_order_pages_and_findings_arrive_in() -> None:
    report = make_report()
    pages, findings = list(report.pages), list(report.findings)
    random.Random(7).shuffle(pages)
    random.Random(7).shuffle(findings)
    shuffled = replace(report, pages=tuple(pages), findings=tuple(findings))

    assert render_json(shuffled) == render_json(report)


def test_json_settings_with_non_json_values_still_serialise() -> None:
    settings: dict[str, object] = {
        "zeta": {"b": 1, "a": (1, 2)},
        "path": PurePosixPath("/tmp/out"),
        "when": datetime(2024, 1, 1, tzinfo=UTC),
        "kinds": frozenset({"b", "a"}),
        "status": ScanStatus.PENDING,
        "other": object,
    }
    document: Any = json.loads(render_json(make_report(scan=make_scan(settings=settings))))
    result = document["scan"]["settings"]

    assert list(result) == sorted(settings)
    assert list(result["zeta"]) == ["a", "b"]
    assert result["path"] == "/tmp/out"
    assert result["when"] == "2024-01-01T00:00:00.000Z"
    assert result["kinds"] == ["a", "b"]
    assert result["status"] == "pending"
    validate(document)


@pytest.mark.parametrize(
    ("definition", "vocabulary"),
    [("status", ScanStatus), ("severity", Severity), ("category", Category)],
)
def test_schema_enums_match_the_model_vocabularies(definition: str, vocabulary: Any) -> None:
    defs: Any = load_schema()["$defs"]

    assert defs[definition]["enum"] == [member.value for member in vocabulary]


def test_schema_rejects_unknown_fields_and_values() -> None:
    document: Any = report_to_dict(make_report())
    document["findings"][0]["extra"] = 1
    document["pages"][0]["timings"]["dns_ms"] = 3
    document["scan"]["status"] = "exploded"

    errors = schema_errors(document)

    assert len(errors) == 3


def test_schema_rejects_a_document_from_another_major_version() -> None:
    document: Any = report_to_dict(make_report())
    document["schema_version"] = "2.0"

    assert schema_errors(document)


def test_the_documented_example_validates_against_the_schema() -> None:
    doc = Path(__file__).parents[3] / "docs" / "report-schema.md"
    example = doc.read_text(encoding="utf-8").split("```json\n", 1)[1].split("```", 1)[0]

    validate(json.loads(example))


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [1, 2.5, None, True, 'x"y\n\u00e9\U0001f600']},
        [{"deep": [{"deeper": [[], [[]], {"k": "v"}]}]}, "tail"],
        {"unicode key \u2603": {"nested": [1, {"x": None}]}},
        "just a string",
        42,
    ],
)
def test_pretty_lays_out_json_exactly_as_json_dumps_indent_2(value: object) -> None:
    from siteaudit.reports.json_report import pretty

    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False)
    nested = pretty(value, 2)
    assert json.loads(nested) == value
    assert nested == json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n    ")


def test_pretty_lays_out_non_string_keys_and_str_enums_as_json_dumps_does() -> None:
    from siteaudit.reports.json_report import pretty

    value = {1: "a", "severity": Severity.HIGH, "nested": {2.5: [1]}}
    assert pretty(value, 1) == json.dumps(value, indent=2).replace("\n", "\n  ")


def test_pretty_cleans_what_json_cannot_encode() -> None:
    from siteaudit.reports.json_report import pretty

    assert json.loads(pretty({"bad": "a\udcffb", "nan": float("nan")})) == {
        "bad": "a\ufffdb",
        "nan": None,
    }
