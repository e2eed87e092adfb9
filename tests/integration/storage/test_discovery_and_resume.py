"""What discovery learnt, and the crawl state `--resume` restarts from."""

from __future__ import annotations

from sqlalchemy import update
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result

from siteaudit.model import Heading, Hreflang, RedirectHop, ScanSpec
from siteaudit.model.site import SiteFacts, SitemapInfo, SitePage, Trap
from siteaudit.pipeline.ports import LinkRecord
from siteaudit.storage import SqlScanStore
from siteaudit.storage.tables import pages


def test_discovery_facts_traps_and_sitemap_urls_reach_the_site_graph(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    facts = SiteFacts(
        robots_status=200,
        robots_txt="User-agent: *\nDisallow: /cart/\n",
        llms_status=404,
        sitemaps=(SitemapInfo(f"{HOME}sitemap.xml", 200, urls=2, bytes=321),),
    )
    trap = Trap("path-pattern", "shop.example/cal/N/N", f"{HOME}cal/2030/01")
    listed = [f"{HOME}a", f"{HOME}b", f"{HOME}a"]
    for _ in range(2):  # saving twice changes nothing
        store.save_discovery(
            scan_id,
            facts=facts,
            traps=[trap],
            robots_blocked=[f"{HOME}cart/1"],
            sitemap_urls=listed,
        )
    site = store.load_site(scan_id)
    assert site.facts == facts
    assert site.traps == (trap,)
    assert site.robots_blocked == {f"{HOME}cart/1"}
    assert site.sitemap_urls == {f"{HOME}a", f"{HOME}b"}


def test_simhash_word_count_and_hreflangs_round_trip_through_the_site_graph(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    page = make_page(simhash=2**64 - 1, word_count=321, hreflangs=(Hreflang("de", f"{HOME}de/"),))
    store.save_pages(scan_id, [make_result(page)])
    (stored,) = store.load_site(scan_id).pages
    assert stored.simhash == 2**64 - 1
    assert stored.word_count == 321
    assert stored.hreflangs == (("de", f"{HOME}de/"),)


def test_a_site_page_carries_every_stored_field_in_its_place(store: SqlScanStore) -> None:
    # Distinct values for same-typed fields: rows are read by position, so two columns
    # swapped in the query would show up as two swapped fields here.
    scan_id = store.create_scan(ScanSpec(HOME))
    page = make_page(
        f"{HOME}a",
        final_url=f"{HOME}b",
        status=203,
        depth=2,
        title="Title",
        meta={"description": "Described"},
        headings=(Heading(1, "Heading"),),
        canonicals=(f"{HOME}c",),
        content_hash="c0ffee",
        error_code="code",
        redirects=(RedirectHop(f"{HOME}a", 301, f"{HOME}b"),),
        word_count=7,
        simhash=5,
    )
    store.save_pages(scan_id, [make_result(page, found_via="sitemap")])
    (stored,) = store.load_site(scan_id).pages
    assert stored == SitePage(
        url=f"{HOME}a",
        final_url=f"{HOME}b",
        status=203,
        depth=2,
        is_html=True,
        title="Title",
        meta_description="Described",
        h1s=("Heading",),
        canonical=f"{HOME}c",
        content_hash="c0ffee",
        noindex=False,
        error_code="code",
        found_via="sitemap",
        redirect_hops=1,
        word_count=7,
        simhash=5,
    )


def test_crawl_state_lists_stored_pages_and_unfetched_link_targets_at_their_depth(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(
        scan_id,
        [make_result(make_page(HOME)), make_result(make_page(f"{HOME}a", depth=1))],
    )
    store.save_links(
        scan_id,
        [
            LinkRecord(HOME, f"{HOME}a"),
            LinkRecord(HOME, f"{HOME}b"),
            LinkRecord(f"{HOME}a", f"{HOME}b"),
            LinkRecord(f"{HOME}a", f"{HOME}c"),
            LinkRecord(f"{HOME}a", "https://elsewhere.example/", internal=False),
        ],
    )
    state = store.load_crawl_state(scan_id)
    assert state.done == {HOME: 0, f"{HOME}a": 1}
    assert state.pending == [(f"{HOME}b", 1), (f"{HOME}c", 2)]
    # Pages stored before migration 0007 know nothing of nofollow: their links are followed.
    with store.engine.begin() as connection:
        connection.execute(update(pages).values(follows_links=None, offers=None))
    assert store.load_crawl_state(scan_id).pending == state.pending


def test_crawl_state_queues_a_depth_s_links_in_the_order_a_run_offered_them(
    store: SqlScanStore,
) -> None:
    # They were queued by URL: under a page limit a resumed scan took other pages of a
    # depth than one run (the Python docs at --max-pages 200: 2 of its depth-2 pages).
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(
        scan_id, [make_result(make_page(HOME)), make_result(make_page(f"{HOME}x", depth=1))]
    )
    store.save_links(
        scan_id, [LinkRecord(f"{HOME}x", f"{HOME}q"), LinkRecord(f"{HOME}x", f"{HOME}b")]
    )
    store.save_links(
        scan_id,
        [
            LinkRecord(HOME, f"{HOME}z"),
            LinkRecord(HOME, f"{HOME}x"),
            LinkRecord(HOME, f"{HOME}b"),  # /b's place is this link's, at depth 1
        ],
    )
    state = store.load_crawl_state(scan_id)
    assert state.pending == [(f"{HOME}z", 1), (f"{HOME}b", 1), (f"{HOME}q", 2)]


def test_a_page_whose_redirects_ended_on_another_site_s_refusal_is_stored_so(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    linkedin = "https://www.linkedin.com/company/shop"
    shortcut = make_page(
        f"{HOME}go/linkedin",
        final_url=linkedin,
        status=999,
        is_html=False,
        redirects=(RedirectHop(f"{HOME}go/linkedin", 302, linkedin),),
    )
    store.save_pages(scan_id, [make_result(make_page(HOME)), make_result(shortcut)])
    refused = {page.url: page.refused for page in store.load_site(scan_id).pages}
    assert refused == {HOME: False, f"{HOME}go/linkedin": True}
    # Pages stored before migration 0009 read as not refused.
    with store.engine.begin() as connection:
        connection.execute(update(pages).values(refused=None))
    assert not any(page.refused for page in store.load_site(scan_id).pages)


def test_crawl_state_queues_what_the_pages_offered_as_a_run_would(store: SqlScanStore) -> None:
    # A resumed scan lost every redirect target and canonical its stored pages had offered
    # (they are not links), and followed links a run does not follow (a nofollow page's).
    scan_id = store.create_scan(ScanSpec(HOME))
    moved = make_page(f"{HOME}old", final_url=f"{HOME}new", depth=1)
    offers = ((f"{HOME}new", 1, "redirect"), (f"{HOME}canon", 2, "canonical"), (HOME, 1, "link"))
    private = make_page(f"{HOME}private", depth=1)
    store.save_pages(
        scan_id,
        [
            make_result(make_page(HOME)),
            make_result(moved, offers=offers),
            make_result(private, follows_links=False),
        ],
    )
    store.save_links(
        scan_id,
        [LinkRecord(HOME, f"{HOME}a"), LinkRecord(f"{HOME}private", f"{HOME}secret")],
    )
    state = store.load_crawl_state(scan_id)
    assert state.pending == [(f"{HOME}a", 1)]  # not /secret: its page said nofollow
    assert state.offers == [(f"{HOME}new", 1, "redirect"), (f"{HOME}canon", 2, "canonical")]


def test_forgotten_pages_go_with_their_findings_and_are_pending_again(
    store: SqlScanStore,
) -> None:
    # Pages skipped with circuit-open (their host had stopped answering) were never
    # requested; a resumed scan counted them as done and never asked for them again.
    scan_id = store.create_scan(ScanSpec(HOME))
    skipped = make_page(f"{HOME}b", depth=1, status=None, error_code="circuit-open")
    store.save_pages(
        scan_id,
        [
            make_result(make_page(HOME), make_finding(HOME)),
            make_result(skipped, make_finding(f"{HOME}b")),
        ],
    )
    store.save_links(scan_id, [LinkRecord(HOME, f"{HOME}b")])
    assert store.forget_pages(scan_id, "circuit-open") == 1
    state = store.load_crawl_state(scan_id)
    assert state.done == {HOME: 0}
    assert state.pending == [(f"{HOME}b", 1)]
    assert state.errors == 0
    assert [f.url for f in store.load_report(scan_id).findings] == [HOME]
    assert store.forget_pages(scan_id, "circuit-open") == 0
