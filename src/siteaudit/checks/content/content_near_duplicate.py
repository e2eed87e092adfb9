"""`content-near-duplicate`: indexable pages are not near copies of each other."""

from collections import defaultdict
from collections.abc import Iterator
from itertools import compress

from siteaudit.checks.base import CheckContext, Docs, Failed, Option, failed, site_check
from siteaudit.checks.content._indexable import is_indexable
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site, SitePage

# Pages of one band compared with each new page: bounds the work on templated sites.
MAX_CANDIDATES = 256


@site_check(
    id="content-near-duplicate",
    category=Category.CONTENT,
    severity=Severity.MEDIUM,
    title="Indexable pages are not near duplicates",
    failure_title="Page is a near duplicate of another page",
    docs=Docs(
        what="Compares the 64-bit simhash of the main text of indexable pages and reports "
        "pairs whose hashes differ in at most `max_distance` bits (exact duplicates are left "
        "to content-duplicate). Pairs are found without comparing every page with every "
        "other: each hash is cut into max_distance + 1 bands, and since pages within the "
        "distance must agree on at least one whole band, only pages sharing a band are "
        "compared, and each page with at most the 256 latest pages of each of its bands "
        "(a templated site puts thousands of pages in one band: the time stays linear). "
        "The hash covers a page's first 2,000 words, so two pages whose word counts differ "
        "more than twofold are not near duplicates however their hashes compare (a "
        "complete index and its first part).",
        why="Pages that differ only by a few words (boilerplate templates, location pages, "
        "product variants) compete with each other and are often filtered out of results.",
        fix="Merge near duplicates, make each page substantially unique, or canonicalise "
        "the variants to one page.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
            "https://research.google/pubs/detecting-near-duplicates-for-web-crawling/",
        ),
    ),
    options={
        "max_distance": Option(3, "Most differing simhash bits (of 64) for a near duplicate.")
    },
)
def content_near_duplicate(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per page that is near another indexed earlier in the crawl."""
    distance = max(0, min(ctx.int_option("max_distance"), 15))
    pages = [p for p in site.pages if p.simhash is not None and is_indexable(p)]
    bands = distance + 1
    width = 64 // bands
    mask = (1 << width) - 1
    # A band's pages, and their hashes alongside; lists, not deques bounded to the latest
    # 256: most bands hold a few pages, and a deque takes a block of 64 slots at once.
    buckets: dict[tuple[int, int], tuple[list[int], list[SitePage]]] = defaultdict(lambda: ([], []))
    reported: set[str] = set()
    for page in pages:
        simhash = page.simhash
        assert simhash is not None
        keys = [(band, simhash >> (band * width) & mask) for band in range(bands)]
        match = _nearest_earlier(
            page, simhash, [buckets[key] for key in keys if key in buckets], distance
        )
        for key in keys:
            hashes, earlier = buckets[key]
            hashes.append(simhash)
            earlier.append(page)
            if len(hashes) == 2 * MAX_CANDIDATES:  # keep the latest, now and then
                del hashes[:MAX_CANDIDATES], earlier[:MAX_CANDIDATES]
        if match is not None and page.url not in reported:
            reported.add(page.url)
            bits = (simhash ^ (match.simhash or 0)).bit_count()
            yield failed(
                f"The page's text is nearly identical to {match.url} ({bits} of 64 simhash "
                "bits differ).",
                evidence=f"simhash distance {bits} <= {distance} with {match.url}",
                locator=match.url,
                url=page.url,
            )


def _comparable(words: int, other: int) -> bool:
    """True when neither page is more than twice as long as the other."""
    return 2 * min(words, other) >= max(words, other)


def _nearest_earlier(
    page: SitePage,
    simhash: int,
    buckets: list[tuple[list[int], list[SitePage]]],
    distance: int,
) -> SitePage | None:
    """The first page of `buckets` (band by band, oldest first) within `distance` bits of
    `simhash`, not a copy of `page`'s body, of a comparable length. The distances are
    counted in C (`map` and `compress`, no bytecode a candidate): a templated site
    compares most of its pages with the full 256 of each band, and almost none is near."""
    for hashes, earlier in buckets:
        latest = hashes[-MAX_CANDIDATES:]
        close = map(distance.__ge__, map(int.bit_count, map(simhash.__xor__, latest)))
        for other in compress(earlier[-MAX_CANDIDATES:], close):
            same_body = other.content_hash is not None and other.content_hash == page.content_hash
            if not same_body and _comparable(page.word_count, other.word_count):
                return other
    return None
