"""Which `crawl` settings the scan command's options set (pure logic of the CLI)."""

from __future__ import annotations

import click
import pytest

from siteaudit.cli.main import _crawl_overrides

NOTHING_GIVEN = {
    "max_pages": None,
    "max_depth": None,
    "delay_s": None,
    "include": (),
    "exclude": (),
    "no_robots": False,
    "insecure": False,
    "strip_params": (),
    "pinned": (),
    "headers": (),
    "ca_bundle": None,
}


def test_options_not_given_set_nothing() -> None:
    assert _crawl_overrides(NOTHING_GIVEN) == {}


def test_zero_is_a_value_flags_set_their_setting_and_lists_are_parsed() -> None:
    given = {
        **NOTHING_GIVEN,
        "max_depth": 0,
        "delay_s": 0.0,
        "include": ("/docs/",),
        "no_robots": True,
        "insecure": True,
        "strip_params": ("utm_*",),
        "pinned": ("shop.test:127.0.0.1",),
        "headers": ("X-Token: abc",),
    }
    assert _crawl_overrides(given) == {
        "max_depth": 0,
        "delay_s": 0.0,
        "respect_robots": False,
        "verify_tls": False,
        "strip_params": ["utm_*"],
        "hosts": {"shop.test": "127.0.0.1"},
        "headers": {"X-Token": "abc"},
    }


def test_a_malformed_option_is_a_usage_error() -> None:
    with pytest.raises(click.UsageError, match="--resolve"):
        _crawl_overrides({**NOTHING_GIVEN, "pinned": ("no-colon",)})
