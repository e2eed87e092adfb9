"""Which pages of a crawl compete in search results (and so can duplicate each other)."""

from siteaudit.model.site import SitePage


def is_indexable(page: SitePage) -> bool:
    """A working HTML page, not noindexed, that is its own canonical (or names none)."""
    own_canonical = page.canonical in {None, page.url, page.final_url}
    return page.status == 200 and page.is_html and not page.noindex and own_canonical
