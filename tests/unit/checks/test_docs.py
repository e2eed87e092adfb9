"""docs/checks/ is generated from the catalogue, complete, and never stale."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from siteaudit.checks.base import Docs, Option, check, passed
from siteaudit.checks.builtin import BUILTIN
from siteaudit.checks.docs import INDEX, REGENERATE, render_docs, render_page, write_docs
from siteaudit.cli.main import main
from siteaudit.model import Category, Severity

DOCS = Path(__file__).resolve().parents[3] / "docs" / "checks"
STALE = f"docs/checks/ is stale; regenerate it with `{REGENERATE}`"

sample = check(
    id="sample-rule",
    category=Category.ON_PAGE,
    severity=Severity.LOW,
    title="Sample <title> rule passes",
    failure_title="Sample rule fails",
    docs=Docs(
        what="Looks at <title> and `<meta name=x>`.",
        why="Because | pipes.",
        fix="Fix it.",
        references=("https://example.com/ref",),
    ),
    options={"max_chars": Option(60, "Longest title that passes.")},
)(lambda page, ctx: passed())


def test_committed_check_docs_match_what_the_catalogue_generates() -> None:
    expected = render_docs(BUILTIN)
    stale = [
        name
        for name, text in expected.items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"{STALE}; outdated or missing: {stale}"


def test_docs_folder_has_no_page_for_a_check_that_no_longer_exists() -> None:
    expected = render_docs(BUILTIN)
    orphans = sorted(p.name for p in DOCS.glob("*.md") if p.name not in expected)
    assert orphans == [], f"{STALE}; pages of removed checks: {orphans}"


def test_every_builtin_check_has_a_page_and_a_row_in_the_index() -> None:
    files = render_docs(BUILTIN)
    assert set(files) == {INDEX} | {f"{item.id}.md" for item in BUILTIN}
    assert all(f"[`{item.id}`]({item.id}.md)" in files[INDEX] for item in BUILTIN)
    assert f"{len(BUILTIN)} checks." in files[INDEX]


def test_index_counts_the_checks_of_each_category() -> None:
    index = render_docs(BUILTIN)[INDEX]
    for category in Category:
        count = sum(1 for item in BUILTIN if item.category == category)
        assert f"| [{category.value}](#{category.value}) | {count} |" in index


def test_check_page_shows_metadata_options_with_defaults_and_references() -> None:
    page = render_page(sample)
    assert "| Id | `sample-rule` |" in page
    assert "| Category | on-page |" in page
    assert "| Severity | low |" in page
    assert "| Scope | page |" in page
    assert "| `max_chars` | `60` | Longest title that passes. |" in page
    assert '[checks.options."sample-rule"]\nmax_chars = 60' in page
    assert "- <https://example.com/ref>" in page


def test_html_tags_in_prose_are_escaped_but_code_spans_are_kept() -> None:
    page = render_page(sample)
    assert "# Sample &lt;title> rule passes" in page
    assert "Looks at &lt;title> and `<meta name=x>`." in page


def test_generation_is_deterministic_whatever_the_catalogue_order() -> None:
    assert list(render_docs(BUILTIN).items()) == list(render_docs(reversed(BUILTIN)).items())


def test_writing_removes_generated_pages_of_removed_checks_but_keeps_hand_written_notes(
    tmp_path: Path,
) -> None:
    write_docs(render_docs([*BUILTIN[:2], sample]), tmp_path)
    (tmp_path / "notes.md").write_text("# My notes\n")
    write_docs(render_docs(BUILTIN[:2]), tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([INDEX, "notes.md", *(f"{c.id}.md" for c in BUILTIN[:2])])


def test_checks_docs_option_writes_the_whole_catalogue(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["checks", "--docs", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.md"))) == len(BUILTIN) + 1
