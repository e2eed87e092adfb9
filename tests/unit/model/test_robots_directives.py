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
