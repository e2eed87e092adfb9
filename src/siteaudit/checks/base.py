"""The check base: a check is a frozen, self-describing record built by the `check` decorator.

A page check is a pure function `(Page, CheckContext) -> Result`; a site check is a pure
function `(Site, CheckContext) -> Iterable[Failed]` whose failures name the URL they are about.
Weights are not here: they live in the scoring profile (`siteaudit.checks.scoring`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

from siteaudit.model import Category, Page, Severity
from siteaudit.model.report import SCAN_INPUTS
from siteaudit.model.site import Site


class Applies(StrEnum):
    """Which pages a check is scored against."""

    HTML = "html"  # every page that answered with an HTML document
    RESPONSE = "response"  # every URL that was fetched, whatever it answered
    SITE = "site"  # the whole crawl at once; failures are scored against HTML pages


@dataclass(frozen=True, slots=True)
class Passed:
    """The page meets the check."""


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """The check has nothing to say about this page (e.g. HSTS on a plain-http page)."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The check fails: what is wrong, the evidence, and where (locator) on the page."""

    message: str
    evidence: str = ""
    locator: str = ""
    url: str = ""  # set by site checks, which speak about many pages


Outcome: TypeAlias = Passed | NotApplicable | Failed
Result: TypeAlias = Outcome | Sequence[Failed]

PASSED = Passed()
NOT_APPLICABLE = NotApplicable()


def passed() -> Passed:
    """The page meets the check."""
    return PASSED


def not_applicable() -> NotApplicable:
    """The check does not apply to this page."""
    return NOT_APPLICABLE


def failed(message: str, evidence: str = "", locator: str = "", url: str = "") -> Failed:
    """The check fails on this page (or on `url`, for site checks)."""
    return Failed(message=message, evidence=evidence, locator=locator, url=url)


@dataclass(frozen=True, slots=True)
class Option:
    """A configurable threshold with its documented default."""

    default: object
    description: str


@dataclass(frozen=True, slots=True)
class Docs:
    """What a check checks, why it matters, how to fix it, and where to read more."""

    what: str
    why: str
    fix: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know besides the page: its options and the scan's start URL."""

    options: Mapping[str, object]
    start_url: str = ""

    def option(self, name: str) -> object:
        """The configured value of option `name`."""
        return self.options[name]

    def int_option(self, name: str) -> int:
        """Option `name` as an int (thresholds are validated when the config loads)."""
        value = self.options[name]
        if not isinstance(value, int | float | str):
            raise TypeError(f"option {name!r} is not a number: {value!r}")
        return int(value)


PageFn: TypeAlias = Callable[[Page, CheckContext], Result]
SiteFn: TypeAlias = Callable[[Site, CheckContext], Iterable[Failed]]


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the catalogue. Ids are kebab-case nouns and stable forever."""

    id: str
    category: Category
    severity: Severity
    title: str
    failure_title: str
    docs: Docs
    applies: Applies
    options: Mapping[str, Option] = field(default_factory=lambda: MappingProxyType({}))
    page_fn: PageFn | None = None
    site_fn: SiteFn | None = None
    # What the check reads besides the crawl (`model.report.SCAN_INPUTS`): a scan that did
    # not gather one of them scores the check as not applicable on every page.
    needs: frozenset[str] = frozenset()
    # A site check that judges the site as a whole (its robots.txt, its sitemaps): scored as
    # one unit, failed when it found anything, however many pages the site has.
    whole_site: bool = False

    @property
    def is_site_check(self) -> bool:
        """True when the check looks at the whole crawl rather than one page."""
        return self.site_fn is not None

    def context(
        self, overrides: Mapping[str, object] | None = None, start_url: str = ""
    ) -> CheckContext:
        """A context holding this check's option defaults with `overrides` applied."""
        values = {name: option.default for name, option in self.options.items()}
        values.update(overrides or {})
        return CheckContext(options=MappingProxyType(values), start_url=start_url)


def check(
    *,
    id: str,  # shadows the builtin on purpose: it is the catalogue's vocabulary
    category: Category,
    severity: Severity,
    title: str,
    failure_title: str,
    docs: Docs,
    applies: Applies = Applies.HTML,
    options: Mapping[str, Option] | None = None,
) -> Callable[[PageFn], Check]:
    """Declare a page check: decorate `def fn(page, ctx) -> Result`."""

    def build(fn: PageFn) -> Check:
        return Check(
            id=id,
            category=category,
            severity=severity,
            title=title,
            failure_title=failure_title,
            docs=docs,
            applies=applies,
            options=MappingProxyType(dict(options or {})),
            page_fn=fn,
        )

    return build


def site_check(
    *,
    id: str,  # shadows the builtin on purpose: it is the catalogue's vocabulary
    category: Category,
    severity: Severity,
    title: str,
    failure_title: str,
    docs: Docs,
    options: Mapping[str, Option] | None = None,
    needs: Iterable[str] = (),
    whole_site: bool = False,
) -> Callable[[SiteFn], Check]:
    """Declare a site check: decorate `def fn(site, ctx) -> Iterable[Failed]`.

    `needs` names what it reads besides the crawl (`model.report.SCAN_INPUTS`);
    `whole_site` marks a check of the site as a whole (its robots.txt, sitemaps, llms.txt),
    scored as one unit rather than over the pages (`docs/scoring.md`).
    """
    unknown = set(needs) - set(SCAN_INPUTS)
    if unknown:
        raise ValueError(f"site check {id!r} needs unknown scan inputs {sorted(unknown)}")

    def build(fn: SiteFn) -> Check:
        return Check(
            id=id,
            category=category,
            severity=severity,
            title=title,
            failure_title=failure_title,
            docs=docs,
            applies=Applies.SITE,
            options=MappingProxyType(dict(options or {})),
            site_fn=fn,
            needs=frozenset(needs),
            whole_site=whole_site,
        )

    return build


def outcomes(result: Result) -> list[Outcome]:
    """Normalise a check's return value to a list of outcomes."""
    if isinstance(result, Passed | NotApplicable | Failed):
        return [result]
    return list(result) if result else [PASSED]
