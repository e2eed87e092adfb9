"""`link-text-generic`: link texts say where they lead."""

import string

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

# Arrows and ellipses often decorate "read more" links: "Read more »", "More…".
TRAILING_MARKS = " \u2026\u00bb\u203a\u2192"

# Lighthouse's link-text blocklist (English).
GENERIC = frozenset(
    {
        "click here",
        "click this",
        "go",
        "here",
        "information",
        "learn more",
        "more",
        "more info",
        "more information",
        "right here",
        "read more",
        "see more",
        "start",
        "this",
    }
)


@check(
    id="link-text-generic",
    category=Category.LINKS,
    severity=Severity.LOW,
    title="Links have descriptive text",
    failure_title="Link text is generic",
    docs=Docs(
        what="Compares the text of each link (trimmed, lower-cased, surrounding punctuation "
        "removed) with Lighthouse's blocklist: click here, click this, go, here, "
        "information, learn more, more, more info, more information, right here, read "
        "more, see more, start, this. English only for now.",
        why="Search engines use anchor text to understand the target page, and screen "
        'reader users often navigate by a list of links, where ten "read more" entries '
        "say nothing.",
        fix='Write link text that names the destination, e.g. "Compare four-season tents" '
        'instead of "click here".',
        references=(
            "https://developer.chrome.com/docs/lighthouse/seo/link-text",
            "https://developers.google.com/search/docs/crawling-indexing/links-crawlable#write-good-anchor-text",
        ),
    ),
)
def link_text_generic(page: Page, ctx: CheckContext) -> Result:
    """One failure per link whose text is on the generic list."""
    found = [
        link
        for link in page.links
        if link.text.strip().strip(string.punctuation + TRAILING_MARKS).lower() in GENERIC
    ]
    if not found:
        return passed()
    return [
        failed(
            f"The link to {link.url} says only {link.text!r}.",
            evidence=f'<a href="{link.url}">{link.text}</a>',
            locator=link.url,
        )
        for link in found
    ]
