"""The built-in catalogue is complete: ids, module names, docs and fixtures for every check."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from tests.unit.checks.fixture_runner import FIXTURES

from siteaudit.checks.base import Check
from siteaudit.checks.builtin import BUILTIN
from siteaudit.checks.catalogue import Catalogue

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def module_path(item: Check) -> Path:
    fn = item.page_fn or item.site_fn
    assert fn is not None
    file = sys.modules[fn.__module__].__file__
    assert file is not None
    return Path(file)


@pytest.mark.parametrize("item", BUILTIN, ids=lambda item: item.id)
def test_check_id_is_a_kebab_case_noun_without_a_no_prefix(item: Check) -> None:
    assert KEBAB.fullmatch(item.id)
    assert not item.id.startswith("no-")


@pytest.mark.parametrize("item", BUILTIN, ids=lambda item: item.id)
def test_check_module_is_named_after_its_id_inside_its_category_package(item: Check) -> None:
    path = module_path(item)
    assert path.stem == item.id.replace("-", "_")
    assert path.parent.name == item.category.value.replace("-", "_")


@pytest.mark.parametrize("item", BUILTIN, ids=lambda item: item.id)
def test_check_has_docs_titles_and_documented_options(item: Check) -> None:
    assert item.docs.what.strip() and item.docs.why.strip() and item.docs.fix.strip()
    assert item.title.strip() and item.failure_title.strip()
    assert all(option.description.strip() for option in item.options.values())


@pytest.mark.parametrize("item", BUILTIN, ids=lambda item: item.id)
def test_check_has_a_pass_and_a_fail_fixture(item: Check) -> None:
    names = [path.name for path in (FIXTURES / item.id).glob("*")]
    assert any(name.startswith("pass-") for name in names), f"no pass fixture for {item.id}"
    assert any(name.startswith("fail-") for name in names), f"no fail fixture for {item.id}"


def test_every_fixture_folder_belongs_to_a_check() -> None:
    ids = {item.id for item in BUILTIN}
    assert {path.name for path in FIXTURES.iterdir() if path.is_dir()} <= ids


def test_check_ids_are_unique() -> None:
    duplicates = [name for name, n in Counter(item.id for item in BUILTIN).items() if n > 1]
    assert duplicates == []
    assert len(Catalogue(BUILTIN)) == len(BUILTIN)


def test_catalogue_has_at_least_the_first_checks_of_the_plan() -> None:
    planned = {
        "title", "title-empty", "title-length-long", "title-length-short", "title-duplicate",
        "meta-description", "meta-description-length", "meta-description-duplicate", "h1",
        "h1-multiple", "html-lang", "viewport", "canonical", "canonical-mismatch", "noindex",
        "status-4xx", "status-5xx", "fetch-error", "broken-link", "redirect-chain",
        "image-alt", "csp", "x-content-type-options", "frame-protection", "hsts",
    }  # fmt: skip
    assert planned <= {item.id for item in BUILTIN}
