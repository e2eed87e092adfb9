"""A page's robots directives, from its meta tags and X-Robots-Tag, as crawlers read them."""

from siteaudit.model import Page
from siteaudit.model.page import NOINDEX_DIRECTIVES


def test_header_directives_lose_their_user_agent_prefix_and_join_the_meta_ones() -> None:
    page = Page(
        url="http://e.com/",
        final_url="http://e.com/",
        status=200,
        meta_robots=(" NoArchive ",),
        headers=(("x-robots-tag", "googlebot: noindex, NOFOLLOW"),),
    )
    assert page.meta_robots_directives == {"noarchive"}
    assert page.header_robots_directives == {"noindex", "nofollow"}
    assert page.robots_directives == {"noarchive", "noindex", "nofollow"}
    assert not page.robots_directives.isdisjoint(NOINDEX_DIRECTIVES)


def header_directives(*values: str) -> frozenset[str]:
    headers = tuple(("x-robots-tag", value) for value in values)
    page = Page(url="http://e.com/", final_url="http://e.com/", status=200, headers=headers)
    return page.header_robots_directives


def test_another_crawlers_header_directives_are_not_the_pages() -> None:
    # As a robots meta tag named for another crawler: Google ignores it, so does the audit.
    assert header_directives("otherbot: noindex, nofollow") == frozenset()
    assert header_directives("otherbot: noindex", "googlebot: nofollow") == {"nofollow"}
    assert header_directives("noarchive, bingbot: noindex") == {"noarchive"}


def test_directives_with_values_are_not_taken_for_user_agents() -> None:
    assert header_directives("max-snippet: 20, noindex") == {"max-snippet: 20", "noindex"}
    assert header_directives("googlebot: unavailable_after: 2026-12-31") == {
        "unavailable_after: 2026-12-31"
    }
