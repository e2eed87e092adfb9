"""`robots-txt-syntax`: every line of robots.txt is a rule crawlers understand."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._robots import Line, lines, robots_url
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site

# RFC 9309 fields, the sitemaps.org extension, and extensions major crawlers document.
KNOWN = frozenset(
    {"user-agent", "allow", "disallow", "sitemap", "crawl-delay", "host", "clean-param"}
)
RULES = frozenset({"allow", "disallow"})
MAX_REPORTED = 20


@site_check(
    id="robots-txt-syntax",
    category=Category.SITEMAPS,
    severity=Severity.MEDIUM,
    title="robots.txt is well formed",
    failure_title="robots.txt has lines crawlers ignore",
    whole_site=True,
    docs=Docs(
        what="Parses a robots.txt that answered 200 line by line (RFC 9309) and reports "
        "lines that are not `field: value`, unknown fields (typos such as `Disalow`, or "
        "retired ones such as `Noindex`), and Allow/Disallow rules that come before any "
        "User-agent line. Known fields are the RFC's user-agent, allow and disallow, "
        "sitemap, and the documented extensions crawl-delay, host and clean-param. At most "
        f"{MAX_REPORTED} lines are reported.",
        why="Crawlers silently skip lines they cannot parse, so a typo turns a rule you "
        "rely on into nothing: the pages you meant to block get crawled, or the sitemap is "
        "never found. Rules outside a User-agent group apply to no crawler at all.",
        fix="Correct the reported lines; start every group with `User-agent:` and write "
        "each rule as `Disallow: /path`. Test the file with a robots.txt tester.",
        references=(
            "https://www.rfc-editor.org/rfc/rfc9309",
            "https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt",
        ),
    ),
)
def robots_txt_syntax(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per malformed line of a served robots.txt (capped)."""
    facts = site.facts
    if facts.robots_status != 200 or not facts.robots_txt:
        return
    url = robots_url(site.start_url)
    reported = 0
    seen_agent = False
    for line in lines(facts.robots_txt):
        seen_agent = seen_agent or line.field == "user-agent"
        problem = _problem(line, seen_agent)
        if problem is None:
            continue
        yield failed(
            f"robots.txt line {line.number} {problem}.",
            evidence=line.text[:200],
            locator=f"line {line.number}",
            url=url,
        )
        reported += 1
        if reported >= MAX_REPORTED:
            return


def _problem(line: Line, seen_agent: bool) -> str | None:
    if line.field is None:
        return "is not a `field: value` pair"
    if line.field not in KNOWN:
        return f"has an unknown field {line.field!r}"
    if line.field in RULES and not seen_agent:
        return "is a rule before any User-agent line, so it applies to no crawler"
    return None
