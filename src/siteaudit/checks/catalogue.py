"""The one explicit list of built-in checks, plus third-party packs from entry points.

Checks are declared, not discovered: adding a check means adding its module and one line to
`BUILTIN`. Packs register a callable returning checks under the `siteaudit.checks` entry point
group.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from siteaudit.checks.base import Check
from siteaudit.checks.builtin import BUILTIN
from siteaudit.model import Category, Severity

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "siteaudit.checks"


class CatalogueError(ValueError):
    """The catalogue or its configuration is inconsistent (duplicate id, unknown check...)."""


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Per-project overrides: disabled checks, severities and option values by check id."""

    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """An ordered, id-unique collection of checks."""

    checks: tuple[Check, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.checks:
            if item.id in seen:
                raise CatalogueError(f"duplicate check id {item.id!r}")
            seen.add(item.id)

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def get(self, check_id: str) -> Check:
        """The check with id `check_id`."""
        for item in self.checks:
            if item.id == check_id:
                return item
        raise CatalogueError(f"unknown check {check_id!r}")

    @property
    def page_checks(self) -> tuple[Check, ...]:
        """Checks that look at one page."""
        return tuple(c for c in self.checks if not c.is_site_check)

    @property
    def site_checks(self) -> tuple[Check, ...]:
        """Checks that look at the whole crawl."""
        return tuple(c for c in self.checks if c.is_site_check)

    def in_category(self, category: Category) -> tuple[Check, ...]:
        """Checks of one category."""
        return tuple(c for c in self.checks if c.category == category)

    def configure(self, config: CheckConfig) -> Catalogue:
        """A catalogue with `config` applied; unknown ids and options are errors, not ignored."""
        known = {c.id for c in self.checks}
        unknown = (set(config.disabled) | set(config.severities) | set(config.options)) - known
        if unknown:
            raise CatalogueError(f"unknown check id(s) in configuration: {sorted(unknown)}")
        return Catalogue(
            tuple(_configure(c, config) for c in self.checks if c.id not in config.disabled)
        )


def _configure(item: Check, config: CheckConfig) -> Check:
    overrides = config.options.get(item.id, {})
    unknown = set(overrides) - set(item.options)
    if unknown:
        raise CatalogueError(f"check {item.id!r} has no option(s) {sorted(unknown)}")
    options = {
        name: dataclasses.replace(option, default=overrides.get(name, option.default))
        for name, option in item.options.items()
    }
    severity = config.severities.get(item.id, item.severity)
    return dataclasses.replace(item, severity=severity, options=options)


def load_catalogue(*, plugins: bool = True) -> Catalogue:
    """The built-in checks followed by every installed pack's checks."""
    checks = list(BUILTIN)
    if plugins:
        checks.extend(_plugin_checks())
    return Catalogue(tuple(checks))


@functools.cache
def _plugin_checks() -> tuple[Check, ...]:
    """The installed packs' checks, looked up once per process (a scan builds its catalogue
    several times, and each lookup reads every installed package's metadata: 3 ms)."""
    found: list[Check] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        provided = loaded() if callable(loaded) and not isinstance(loaded, Check) else loaded
        for item in provided if isinstance(provided, Iterable) else [provided]:
            if not isinstance(item, Check):
                raise CatalogueError(f"entry point {entry.name!r} provided {item!r}, not a Check")
            found.append(item)
    return tuple(found)
