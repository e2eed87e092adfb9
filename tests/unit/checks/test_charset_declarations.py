"""The charset checks read a declaration as a browser does (model/encodings.py)."""

from __future__ import annotations

from tests.unit.checks.fixture_runner import FIXTURES, run_fixture

from siteaudit.checks.builtin import BUILTIN

CHECKS = {item.id: item for item in BUILTIN}


def test_a_label_browsers_do_not_know_is_named_as_no_declaration() -> None:
    messages, errors = run_fixture(CHECKS["charset"], FIXTURES / "charset/fail-unknown-label.html")
    assert errors == []
    assert messages == [
        "The Content-Type header declares the charset 'utf8mb4', which browsers do not know:"
        " they ignore it and guess the encoding from the bytes."
    ]


def test_an_unknown_header_label_leaves_the_documents_declaration_to_the_browser() -> None:
    path = FIXTURES / "charset/pass-unknown-header-known-meta.html"
    assert run_fixture(CHECKS["charset"], path) == ([], [])
    assert run_fixture(CHECKS["charset-not-utf8"], path) == ([], [])


def test_any_label_of_utf8_is_utf8_and_gb2312_is_not() -> None:
    folder = FIXTURES / "charset-not-utf8"
    assert run_fixture(CHECKS["charset-not-utf8"], folder / "pass-utf8-by-another-label.html") == (
        [],
        [],
    )
    messages, _ = run_fixture(CHECKS["charset-not-utf8"], folder / "fail-gb2312.html")
    assert messages == ["The page declares the gb2312 encoding in its Content-Type header."]
