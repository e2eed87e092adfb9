"""`robots-conflict`: robots directives agree with each other."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

# Each pair: directives that allow something, directives that forbid it.
OPPOSITES = (
    (frozenset({"index", "all"}), frozenset({"noindex", "none"})),
    (frozenset({"follow", "all"}), frozenset({"nofollow", "none"})),
)


@check(
    id="robots-conflict",
    category=Category.CRAWLABILITY,
    severity=Severity.MEDIUM,
    title="Robots directives are consistent",
    failure_title="Robots directives contradict each other",
    docs=Docs(
        what="Collects the directives of the robots/googlebot meta tags and the "
        "X-Robots-Tag header and fails when one allows what another forbids: index (or "
        "all) with noindex (or none), follow (or all) with nofollow (or none).",
        why="Google applies the most restrictive directive, other crawlers may not, so "
        "the page's fate depends on who reads it. A contradiction usually means a plugin "
        "and a server rule, or two templates, each set their own directives and one of "
        "them is wrong.",
        fix="Decide what the page should do and set it in one place; remove the other tag "
        "or header.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag",
            "https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag#combining",
        ),
    ),
)
def robots_conflict(page: Page, ctx: CheckContext) -> Result:
    """Fails when the union of directives holds an allow and a forbid for the same thing."""
    meta, header = page.meta_robots_directives, page.header_robots_directives
    found = meta | header
    for allows, forbids in OPPOSITES:
        if allows & found and forbids & found:
            shown = sorted((allows | forbids) & found)
            evidence = f"meta robots: {', '.join(sorted(meta)) or '-'}; "
            evidence += f"X-Robots-Tag: {page.header('x-robots-tag') or '-'}"
            return failed(f"Robots directives contradict: {' vs '.join(shown)}.", evidence)
    return passed()
