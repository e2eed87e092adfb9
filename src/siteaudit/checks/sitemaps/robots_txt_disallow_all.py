"""`robots-txt-disallow-all`: robots.txt does not shut search engines out of the site."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.checks.sitemaps._robots import Line, lines, robots_url
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site

WATCHED_AGENTS = frozenset({"*", "googlebot", "bingbot"})
EVERYTHING = frozenset({"/", "/*"})


@site_check(
    id="robots-txt-disallow-all",
    category=Category.SITEMAPS,
    severity=Severity.CRITICAL,
    title="robots.txt lets search engines crawl the site",
    failure_title="robots.txt blocks the whole site",
    whole_site=True,
    docs=Docs(
        what="Groups the rules of a robots.txt that answered 200 by User-agent (RFC 9309) "
        "and fails when the group for `*`, Googlebot or Bingbot disallows `/` (or `/*`) "
        "with no Allow rule to open part of the site again.",
        why="`Disallow: /` for every crawler is the classic leftover of a staging site going "
        "live: search engines stop crawling every page, and the site fades from results.",
        fix="Remove `Disallow: /` from the group, or replace it with rules for the paths "
        "that really must not be crawled.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt",
            "https://www.rfc-editor.org/rfc/rfc9309#section-2.2",
        ),
    ),
)
def robots_txt_disallow_all(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per watched user-agent group that disallows everything."""
    facts = site.facts
    if facts.robots_status != 200 or not facts.robots_txt:
        return
    url = robots_url(site.start_url)
    for agents, rules in _groups(list(lines(facts.robots_txt))):
        watched = sorted(agents & WATCHED_AGENTS)
        blocks_all = any(r.field == "disallow" and r.value in EVERYTHING for r in rules)
        reopens = any(r.field == "allow" and r.value for r in rules)
        if watched and blocks_all and not reopens:
            yield failed(
                f"robots.txt disallows the whole site for {', '.join(watched)}.",
                evidence="; ".join(r.text for r in rules)[:200],
                locator=f"user-agent {', '.join(watched)}",
                url=url,
            )


def _groups(parsed: list[Line]) -> Iterator[tuple[frozenset[str], list[Line]]]:
    """(user agents, allow/disallow rules) per group; consecutive User-agent lines share one."""
    agents: set[str] = set()
    rules: list[Line] = []
    for line in parsed:
        if line.field == "user-agent":
            if rules:
                yield frozenset(agents), rules
                agents, rules = set(), []
            agents.add(line.value.lower())
        elif line.field in {"allow", "disallow"} and agents:
            rules.append(line)
    if agents and rules:
        yield frozenset(agents), rules
