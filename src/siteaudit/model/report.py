"""Everything a report renderer needs, gathered from storage after a scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol, TypeVar

from siteaudit.model.finding import Finding
from siteaudit.model.page import (
    CHECK_ERRORS,
    OUTCOME_COUNTERS,
    PROCESSING_FAILED,
    UNAUDITED_PAGES,
    RedirectHop,
)
from siteaudit.model.score import Scores
from siteaudit.model.spec import Category, ScanStatus, Severity

REPORT_SCHEMA_VERSION = "1.1"
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx", "failed")

T_co = TypeVar("T_co", covariant=True)
# Distinct URLs the page and depth limits kept out that a scan counts (each by its hash):
# the bound on what a site can make the frontier remember of them.
LEFT_OUT_COUNTED = 100_000
# Hosts one scan crawls with the subdomains option: a wildcard DNS record answers for any
# name, and a site that links to a fresh subdomain per visitor would be a trap without end.
MAX_HOSTS = 100
# What a scan may gather besides its pages, by the name a site check gives it in `needs`
# (`checks.base.site_check`), with what a report calls it.
EXTERNAL_LINKS = "external-links"
RESOURCES = "resources"
SCAN_INPUTS = {
    EXTERNAL_LINKS: "the checks of links to other sites",
    RESOURCES: "the checks of the images, scripts and stylesheets pages load",
}
SITE_CHECK_ERRORS = "analysis/site-check-error/"  # + the id of a site check that crashed
FETCH_STATUS = OUTCOME_COUNTERS[0]  # + each page's status, or its error code
CIRCUIT_OPEN = f"{FETCH_STATUS}circuit-open"  # pages skipped by the circuit breaker
SLOWED_DOWN = "fetch/slowed-down"  # answers that asked the crawler to slow down (429, 503)
CHALLENGED = "fetch/challenged"  # answers that were bot protection's challenge
DROPPED = "fetch/dropped"  # tries the server dropped: no answer, the connection closed or reset
# Answers whose header block broke HTTP/1.1's rules, read as browsers read them
# (`crawl/lenient.py`); from the first, every answer of that origin is read so.
MALFORMED = "fetch/read-leniently"
NAMED_CRASHES = 5  # checks that failed with an internal error a report names, of each kind


class Rows(Protocol[T_co]):
    """A sized collection that can be iterated more than once: a tuple, or rows streamed
    from storage on each iteration (so a million findings never sit in memory at once).

    Rows that come in report order already say so with `report_ordered = True`.
    """

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]: ...


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """Identity and lifecycle of one scan."""

    id: int
    start_url: str
    status: ScanStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    settings: dict[str, object] = field(default_factory=dict)
    error: str | None = None
    counters: dict[str, int] = field(default_factory=dict)
    runner: Runner | None = None  # the process running it on the embedded engine, if known


@dataclass(frozen=True, slots=True)
class Runner:
    """A process running a scan: its host's name, its pid, and when it started (the
    kernel's clock ticks since boot, "" where unknown), so that a recycled pid is not
    taken for it."""

    host: str
    pid: int
    started: str = ""


def missing_inputs(scan: ScanInfo) -> frozenset[str]:
    """The `SCAN_INPUTS` the scan did not gather: its links to other sites when their checks
    were off, or when no host answered (a machine without network access); its pages'
    subresources when their checks were off. The site checks that need one are then scored
    as not applicable, not as passed."""
    missing = set()
    checked = scan.settings.get("check_external", False) is True
    if not checked or scan.counters.get("external/offline-hosts", 0) > 0:
        missing.add(EXTERNAL_LINKS)
    if scan.settings.get("check_resources", False) is not True:
        missing.add(RESOURCES)
    return frozenset(missing)


def crashed_site_checks(counters: dict[str, int]) -> frozenset[str]:
    """The site checks that crashed in a scan, from its `SITE_CHECK_ERRORS` counters: scored
    as not applicable, since a check that did not finish did not pass."""
    return frozenset(_counted_under(counters, SITE_CHECK_ERRORS))


def _counted_under(counters: dict[str, int], prefix: str) -> dict[str, int]:
    """The counters named `prefix` + something, by that something (those above zero)."""
    return {
        name.removeprefix(prefix): count
        for name, count in counters.items()
        if name.startswith(prefix) and count > 0
    }


def crawl_notices(scan: ScanInfo) -> tuple[str, ...]:
    """What the crawl could not do or did otherwise than asked, in words, for every report's
    head: a site where no page answered (only HTTP errors) or only the start page could be
    crawled, requests the site asked to slow down or dropped, answers whose heads broke
    HTTP/1.1's rules and were read as browsers read them, pages the circuit breaker
    skipped, a start URL that redirected elsewhere on the site, the URLs its page, depth
    and host limits kept out (`discover/skipped/page-limit`, `.../too-deep` and
    `.../host-limit` count distinct URLs), subdomains whose robots.txt could not be read,
    external links left unchecked for want of a network, URLs checked after the crawl whose
    host turned the check away, TLS left unverified, resources
    past their cap, such checks cut short by the analysis time limit (Celery) or by the
    user stopping the scan, and checks that failed with an internal error."""
    counters, settings = scan.counters, scan.settings
    notices = []
    refused = _only_errors(counters)
    if refused and refused.endswith("HTTP 401"):
        notices.append(
            f"No page answered: {refused}, which asks for credentials: give them as a header"
            " (--header 'Authorization: Basic ...', sent to this site only); only what it"
            " answered was audited."
        )
    elif refused and counters.get(CHALLENGED, 0):
        notices.append(
            f"No page answered: {refused} with a bot-protection challenge (Cloudflare's or"
            " AWS WAF's), which a browser passes and a crawler cannot: allow siteaudit's user"
            " agent in the site's bot protection, or audit it from an address it lets in;"
            " only what it answered was audited."
        )
    elif refused:
        notices.append(
            f"No page answered: {refused}. The site may be down, or blocking crawlers (a"
            " firewall or bot protection often answers 403, 429 or 503): allow siteaudit's"
            " user agent there, or audit it from an address it lets in; only what it answered"
            " was audited."
        )
    if _start_page_alone(counters, settings):
        notices.append(
            "Only the start page was crawled: it links to no other page of the site that the"
            " crawl could follow. If the site builds its links with JavaScript, siteaudit"
            " cannot see them (it reads the HTML as served): list the pages in a sitemap."
            " Links marked nofollow, outside --include/--exclude or disallowed by robots.txt"
            " are not followed either."
        )
    requested = settings.get("requested_url")
    if requested:
        notices.append(
            f"{requested} redirects to {settings.get('start_url')}: the scan audited the site"
            " from there (its robots.txt, sitemaps and pages)."
        )
    if settings.get("verify_tls") is False:
        notices.append(
            "The site's TLS certificates were not verified (--insecure): its pages were"
            " audited as if their certificates were valid."
        )
    offline = counters.get("external/offline-hosts", 0)
    if offline:
        notices.append(
            f"Links to other sites could not be checked: no host answered ({offline} tried),"
            " as on a machine without network access. Scan again with access, or with"
            " --no-external."
        )
    notices.extend(_refused(counters))
    notices.extend(_limits(counters, settings))
    if counters.get("robots/hosts-unreadable", 0):
        notices.append(
            "The robots.txt of some subdomains could not be read (no answer, or a server"
            " error), so their pages were not fetched, as RFC 9309 asks of a crawler; they"
            " are listed as blocked by robots.txt."
        )
    notices.extend(_pushback(counters))
    unread = counters.get(f"{UNAUDITED_PAGES}{PROCESSING_FAILED}", 0)
    if unread:
        notices.append(
            f"siteaudit failed to read {unread:,} page{'s' if unread != 1 else ''} (a fault of"
            " siteaudit, not of the site; the log has the details, please report it): they"
            " are kept with their HTTP facts, their HTML is not audited and their links are"
            " not followed."
        )
    skipped = counters.get(CIRCUIT_OPEN, 0)
    if skipped:
        notices.append(
            f"{skipped:,} page{'s were' if skipped != 1 else ' was'} skipped without a request:"
            " the host had stopped answering (failed connections, timeouts) or had refused"
            " every request for a while (HTTP 429 or 503, or a bot-protection challenge, often"
            " a firewall limiting crawlers); each page's error says which. Scan again later,"
            " with a longer --delay if the site limits crawlers (a scan stopped before its end"
            " asks for them again when resumed)."
        )
    capped = counters.get("resources/skipped/scan-cap", 0)
    if capped:
        notices.append(
            f"{capped:,} more image, script and stylesheet URLs were not checked: a scan"
            " checks at most crawl.resources_max of them on the site (10,000 unless raised)"
            " and as many on other hosts."
        )
    late = _not_checked(counters, "time-limit")
    if late:
        notices.append(
            f"{late}: the checks after the crawl ran out of time first"
            " (crawl.checks_time_limit_s, 900 s unless raised; on Celery workers half of"
            " distributed.analysis_time_limit_s; a site's Crawl-delay paces these checks too)."
        )
    stopped = _not_checked(counters, "cancelled")
    if stopped:
        notices.append(f"{stopped}: the scan was stopped first.")
    notices.extend(_crashed_checks(counters))
    return tuple(notices)


def _limits(counters: dict[str, int], settings: dict[str, object]) -> list[str]:
    """The URLs the page, depth and host limits kept out, each limit in a sentence."""
    notices = []
    pages = counters.get("discover/skipped/page-limit", 0)
    if pages:
        urls, were = _how_many(pages, counters, "more URL")
        notices.append(
            f"The crawl stopped at its limit of {settings.get('max_pages', '?')} pages:"
            f" {urls} it found {were} not fetched (raise the limit with --max-pages or"
            " crawl.max_pages)."
        )
    deep = counters.get("discover/skipped/too-deep", 0)
    if deep:
        depth = settings.get("max_depth", "?")
        urls, were = _how_many(deep, counters, "URL")
        notices.append(
            f"{urls} more than {depth} link{'' if depth == 1 else 's'} away from the start"
            f" page {were} not fetched (raise the limit with --max-depth or crawl.max_depth)."
        )
    hosts = counters.get("discover/skipped/host-limit", 0)
    if hosts:
        urls, were = _how_many(hosts, counters, "URL")
        notices.append(
            f"{urls} on subdomains past the first {MAX_HOSTS} hosts {were} not fetched (a scan"
            " crawls at most that many hosts)."
        )
    return notices


def _pushback(counters: dict[str, int]) -> list[str]:
    """What the site did to the crawl's requests: asked it to slow down, dropped some, or
    answered with heads only browsers' leniency reads (`crawl/lenient.py`)."""
    notices = []
    slowed = counters.get(SLOWED_DOWN, 0)
    if slowed:
        notices.append(
            f"The site asked the crawler to slow down {slowed:,} time{'s' if slowed != 1 else ''}"
            " (HTTP 429 or 503, or a bot-protection challenge): requests to it waited as long"
            " as it asked and were then"
            " spaced, which made the crawl slower; pages it still refused are reported with"
            " that status."
        )
    dropped = counters.get(DROPPED, 0)
    if dropped:
        notices.append(
            f"The site dropped {dropped:,} request{'s' if dropped != 1 else ''} without"
            " answering (it closed or reset the connection, a new one too): each was tried"
            " again after a pause, and pages it dropped every time are reported as protocol"
            " errors. An overloaded server, or a proxy or firewall in front of it, does this:"
            " scan again with a lower --concurrency or a --delay."
        )
    malformed = counters.get(MALFORMED, 0)
    if malformed:
        notices.append(
            "The site's server answers with headers HTTP/1.1 does not allow (a repeated"
            " Content-Length, Content-Length beside chunked encoding, or a malformed header"
            f" line): {malformed:,} answer{'s were' if malformed != 1 else ' was'} read as"
            " browsers read them. Stricter clients, proxies and CDNs reject such answers:"
            " fix the server (the log names what it sent)."
        )
    return notices


def _refused(counters: dict[str, int]) -> list[str]:
    """The URLs checked after the crawl whose host turned the check away (a 999, a 429 to
    every try, a bot challenge: `engines.external_links.Answer.refused`), which are neither
    working nor broken."""
    notices = []
    other = counters.get("external/refused", 0)
    if other:
        notices.append(
            f"{other:,} URL{'s' if other != 1 else ''} on other sites could not be verified:"
            " their hosts turned the check away (HTTP 999, 429 to every try, or a"
            " bot-protection challenge), which says nothing of whether a visitor reaches them."
            " They are not reported as broken; external-link-unverified lists the links."
        )
    own = counters.get("resources/refused", 0)
    if own:
        notices.append(
            f"{own:,} of the site's own image, script and stylesheet URLs could not be"
            " verified: the site turned the check away (HTTP 429 to every try, or a"
            " bot-protection challenge). They are not reported as broken; a --delay may let"
            " them through."
        )
    return notices


def _not_checked(counters: dict[str, int], why: str) -> str:
    """What the checks after the crawl skipped for `why`, in words ("3 links to other sites
    and 12 image, script and stylesheet URLs were not checked"); "" when nothing."""
    links = counters.get(f"external/skipped/{why}", 0)
    resources = counters.get(f"resources/skipped/{why}", 0)
    parts = []
    if links:
        parts.append(f"{links:,} link{'s' if links != 1 else ''} to other sites")
    if resources:
        plural = "s" if resources != 1 else ""
        parts.append(f"{resources:,} image, script and stylesheet URL{plural}")
    if not parts:
        return ""
    verb = "was" if links + resources == 1 else "were"
    return f"{' and '.join(parts)} {verb} not checked"


def _crashed_checks(counters: dict[str, int]) -> list[str]:
    """A notice per check that failed with an internal error (at most `NAMED_CRASHES`)."""
    crashed = sorted(_counted_under(counters, CHECK_ERRORS).items())
    notices = [
        f"The check {check_id} failed with an internal error on {count:,}"
        f" page{'s' if count != 1 else ''} (a fault in the check, not in the site): it is"
        " scored as not applicable there."
        for check_id, count in crashed[:NAMED_CRASHES]
    ]
    if len(crashed) > NAMED_CRASHES:
        notices.append(
            f"{len(crashed) - NAMED_CRASHES} more checks failed with an internal error on some"
            f" pages (the scan's counters {CHECK_ERRORS}<check> name them)."
        )
    notices += [
        f"The site check {check_id} failed with an internal error (a fault in the check, not"
        " in the site): it is scored as not applicable, and its findings may be incomplete."
        for check_id in sorted(crashed_site_checks(counters))[:NAMED_CRASHES]
    ]
    return notices


def _start_page_alone(counters: dict[str, int], settings: dict[str, object]) -> bool:
    """True when the crawl fetched one URL, which answered with a page, though its limits
    allowed more: the start page had no link the crawl could follow."""
    if settings.get("max_depth") == 0 or settings.get("max_pages") == 1:
        return False
    statuses = _fetch_statuses(counters)
    return list(statuses.values()) == [1] and next(iter(statuses)).startswith("2")


def _fetch_statuses(counters: dict[str, int]) -> dict[str, int]:
    """URLs fetched by outcome: "200", "404"... or an error code ("timeout")."""
    return {
        key.removeprefix(FETCH_STATUS): count
        for key, count in counters.items()
        if key.startswith(FETCH_STATUS) and count
    }


def _only_errors(counters: dict[str, int]) -> str | None:
    """When every URL the crawl fetched answered with an HTTP error (none with a page or a
    redirect), what they answered ("the only URL fetched answered HTTP 403"); else None."""
    statuses = _fetch_statuses(counters)
    codes = [status for status in statuses if status.isdigit()]
    if not codes or any(int(status) < 400 for status in codes):
        return None
    codes.sort(key=lambda status: -statuses[status])
    fetched, answered = sum(statuses.values()), sum(statuses[status] for status in codes)
    if fetched == 1:
        which = "the only URL fetched"
    elif answered < fetched:  # the others failed without an answer (timeouts...)
        which = f"the {answered:,} URLs that got an answer"
    else:
        which = f"all {fetched:,} URLs fetched"
    return f"{which} answered HTTP {' or '.join(codes)}"


def _how_many(count: int, counters: dict[str, int], noun: str) -> tuple[str, str]:
    """`count` `noun`s ("1 URL", "12 URLs"), from "at least" when the URLs left out reached
    `LEFT_OUT_COUNTED` (counting stopped there), with the verb that agrees ("was", "were")."""
    left_out = sum(
        counters.get(f"discover/skipped/{limit}", 0)
        for limit in ("page-limit", "too-deep", "host-limit")
    )
    if left_out >= LEFT_OUT_COUNTED:
        return f"at least {count:,} {noun}s", "were"
    return f"{count:,} {noun}{'' if count == 1 else 's'}", "was" if count == 1 else "were"


@dataclass(frozen=True, slots=True)
class PageRow:
    """One crawled URL as the report lists it."""

    url: str
    final_url: str
    status: int | None
    depth: int
    title: str | None
    content_type: str
    size_bytes: int
    content_hash: str | None
    ttfb_ms: float | None
    total_ms: float | None
    redirects: tuple[RedirectHop, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    found_via: str = "link"
    inlinks: int = 0

    @property
    def is_html(self) -> bool:
        """True when the URL answered with an HTML document."""
        return self.status is not None and self.content_type in HTML_CONTENT_TYPES

    @property
    def status_class(self) -> str:
        """'2xx' style class of the HTTP status; 'failed' when no usable response arrived."""
        return status_class(self.status)


def status_class(status: int | None) -> str:
    """'2xx' style class of an HTTP status; 'failed' when no usable response arrived."""
    if status is None or not 100 <= status <= 599:
        return "failed"
    return f"{status // 100}xx"


@dataclass(frozen=True, slots=True)
class CheckTally:
    """How much one check found: findings and the distinct URLs they are on."""

    findings: int
    pages: int
    severity: Severity
    category: Category


@dataclass(frozen=True, slots=True)
class ReportTotals:
    """Counts over a scan's pages and findings, so no renderer has to hold them all."""

    pages: int
    html_pages: int
    pages_by_status_class: dict[str, int]
    findings: int
    findings_by_severity: dict[Severity, int]
    affected_pages: int
    by_check: dict[str, CheckTally]

    @classmethod
    def count(cls, pages: Iterable[PageRow], findings: Iterable[Finding]) -> ReportTotals:
        """Totals worked out in one pass over each collection (for in-memory reports)."""
        by_class: Counter[str] = Counter()
        html = total_pages = 0
        for page in pages:
            total_pages += 1
            by_class[page.status_class] += 1
            html += page.is_html
        by_severity: Counter[Severity] = Counter()
        check_urls: dict[str, set[str]] = {}
        check_findings: Counter[str] = Counter()
        severities: dict[str, Severity] = {}
        categories: dict[str, Category] = {}
        urls: set[str] = set()
        for finding in findings:
            by_severity[finding.severity] += 1
            check_urls.setdefault(finding.check_id, set()).add(finding.url)
            check_findings[finding.check_id] += 1
            severities[finding.check_id] = finding.severity
            categories[finding.check_id] = finding.category
            urls.add(finding.url)
        return cls(
            pages=total_pages,
            html_pages=html,
            pages_by_status_class={name: by_class[name] for name in STATUS_CLASSES},
            findings=sum(check_findings.values()),
            findings_by_severity={severity: by_severity[severity] for severity in Severity},
            affected_pages=len(urls),
            by_check={
                check: CheckTally(
                    check_findings[check], len(found), severities[check], categories[check]
                )
                for check, found in check_urls.items()
            },
        )


class LinkRow(NamedTuple):
    """One link of a crawl as the links export lists it, with what its target answered."""

    source: str
    target: str
    text: str
    rel: tuple[str, ...]
    position: str  # model.page.LINK_POSITIONS
    internal: bool
    status: int | None  # the target page's, None when it was not fetched (or not HTTP)
    error_code: str | None


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """The parts of a check's metadata a report shows next to its findings."""

    id: str
    category: Category
    severity: Severity
    title: str
    failure_title: str
    why: str
    how_to_fix: str


@dataclass(frozen=True, slots=True)
class ScanReport:
    """A finished (or stopped) scan: identity, scores, pages, findings and check metadata."""

    scan: ScanInfo
    scores: Scores
    pages: Rows[PageRow]
    findings: Rows[Finding]
    checks: dict[str, CheckInfo]
    schema_version: str = REPORT_SCHEMA_VERSION
    # Counted by the store in SQL when it streams the rows; None: count them from the rows.
    stored_totals: ReportTotals | None = None

    @property
    def totals(self) -> ReportTotals:
        """Counts over pages and findings (from the store, or one pass over the rows)."""
        if self.stored_totals is not None:
            return self.stored_totals
        return ReportTotals.count(self.pages, self.findings)
