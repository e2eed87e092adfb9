"""Pages, links and findings: idempotent writes, and text a crawled site controls."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import Table, func, select
from tests.integration.storage.factories import HOME, make_finding, make_page, make_result

from siteaudit.model import Category, ScanSpec, Severity
from siteaudit.model.page import Resource
from siteaudit.pipeline.ports import LinkRecord, ResourceTarget
from siteaudit.storage import SqlScanStore, codec, reading
from siteaudit.storage.tables import findings, links, pages, resources


def _count(store: SqlScanStore, table: Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_a_page_saved_twice_is_one_row_and_the_later_save_wins(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(scan_id, [make_result(make_page(title=None), make_finding())])
    later = make_page(title="Shop", status=200)
    store.save_pages(scan_id, [make_result(later, make_finding(check_id="h1", locator="h1"))])
    report = store.load_report(scan_id)
    assert [(p.url, p.title) for p in report.pages] == [(HOME, "Shop")]
    assert [f.check_id for f in report.findings] == ["h1"]
    assert _count(store, pages) == 1


def test_a_batch_saved_again_replaces_the_findings_of_its_own_pages_only(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    a, b, c = HOME + "a", HOME + "b", HOME + "c"
    store.save_pages(
        scan_id,
        [make_result(make_page(url), make_finding(url=url)) for url in (a, b)],
    )
    store.save_pages(
        scan_id,
        [
            make_result(make_page(c), make_finding(url=c)),
            make_result(make_page(a), make_finding(url=a, check_id="h1", locator="h1")),
        ],
    )
    stored = {(f.url, f.check_id) for f in store.load_report(scan_id).findings}
    assert stored == {(a, "h1"), (b, "title"), (c, "title")}


def test_the_same_url_twice_in_one_batch_keeps_the_last(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(
        scan_id, [make_result(make_page(title="old")), make_result(make_page(title="new"))]
    )
    assert [p.title for p in store.load_report(scan_id).pages] == ["new"]


def test_findings_saved_again_are_stored_once(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    result = make_result(make_page(), make_finding(), make_finding())
    store.save_pages(scan_id, [result])
    store.save_pages(scan_id, [result])
    duplicate = make_finding(
        check_id="duplicate-title", category=Category.CONTENT, url=HOME + "a", locator="t"
    )
    store.save_site_findings(scan_id, [duplicate, duplicate])
    store.save_site_findings(scan_id, [duplicate])
    assert _count(store, findings) == 2
    assert store.check_stats(scan_id).findings == {"title": 1, "duplicate-title": 1}


def test_site_findings_survive_a_resave_of_the_page_they_name(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_site_findings(scan_id, [make_finding(check_id="orphan-page")])
    store.save_pages(scan_id, [make_result(make_page())])
    assert [f.check_id for f in store.load_report(scan_id).findings] == ["orphan-page"]


def test_duplicate_links_are_stored_once_per_scan(store: SqlScanStore) -> None:
    first = store.create_scan(ScanSpec(HOME))
    second = store.create_scan(ScanSpec(HOME))
    edge = LinkRecord(HOME, HOME + "about", text="About", rel=("nofollow",))
    for scan_id in (first, second):
        store.save_links(scan_id, [edge, edge])
        store.save_links(scan_id, [edge])
    assert _count(store, links) == 2
    assert store.load_site(first).links[0].nofollow is True


def test_a_link_has_one_key_however_it_is_stored_and_a_page_s_links_share_its_start(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    targets = [HOME + "about", HOME + "shop", HOME]
    edges = [LinkRecord(HOME, target) for target in targets]
    store.save_links(scan_id, edges[:1])
    store.save_page_rows(scan_id, [codec.page_rows(make_result(make_page()), edges)])
    other = LinkRecord(HOME + "about", HOME + "shop")
    store.save_links(scan_id, [other])
    with store.engine.connect() as connection:
        stored = dict(connection.execute(select(links.c.link_key, links.c.source_url)).all())
    assert len(stored) == 4  # the first edge once, whichever way it was stored
    # The unique index takes a page's links in one place: their keys start alike.
    assert len({key[:32] for key, source in stored.items() if source == HOME}) == 1
    assert len({key[32:] for key in stored}) == 3  # and end by their target


def test_pages_encoded_elsewhere_are_stored_with_their_findings_and_outlinks(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    edge = LinkRecord(HOME, HOME + "about", text="About", rel=("nofollow",))
    first = codec.page_rows(make_result(make_page(title="old"), make_finding()), [edge, edge])
    store.save_page_rows(scan_id, [first])
    # Saved again (a resumed scan, a later batch): the later page and its findings win.
    later = make_result(make_page(title="new"), make_finding(check_id="h1", locator="h1"))
    store.save_page_rows(scan_id, [codec.page_rows(later, [edge])])
    report = store.load_report(scan_id)
    assert [(p.url, p.title) for p in report.pages] == [(HOME, "new")]
    assert [f.check_id for f in report.findings] == ["h1"]
    assert _count(store, links) == 1
    assert store.load_site(scan_id).links[0].nofollow is True
    # A resume follows the link as the run did: not, being rel=nofollow, unless told to.
    assert store.load_crawl_state(scan_id).pending == []
    assert store.load_crawl_state(scan_id, follow_nofollow=True).pending == [(HOME + "about", 1)]


def test_a_pages_resources_are_stored_once_each_and_read_back_with_what_the_crawl_knows(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codec, "MAX_RESOURCES_PER_PAGE", 3)
    scan_id = store.create_scan(ScanSpec(HOME))
    loads = (
        Resource("image", HOME + "b.png"),
        Resource("image", HOME + "about"),  # also crawled as a page, which answered 404
        Resource("script", HOME + "b.png"),  # the same URL again: its first kind is kept
        Resource("stylesheet", HOME + "past-the-cap.css"),
    )
    home = codec.page_rows(make_result(make_page(resources=loads)), [])
    store.save_page_rows(scan_id, [home])
    store.save_page_rows(scan_id, [home])  # saved again (a resumed scan): stored once
    shown = (Resource("image", HOME + "b.png"), Resource("image", HOME + "photo.jpg"))
    about = make_page(HOME + "about", status=404, resources=shown)
    # Linked too, so crawled: its size is the Content-Length its answer announced.
    headers = (("content-type", "image/jpeg"), ("content-length", "150000"))
    photo = make_page(HOME + "photo.jpg", headers=headers, is_html=False)
    store.save_pages(scan_id, [make_result(about), make_result(photo)])  # the Celery way
    assert _count(store, resources) == 4
    assert list(store.resource_targets(scan_id)) == [
        ResourceTarget(HOME + "about", 404, None, crawled=True),
        ResourceTarget(HOME + "b.png"),
        ResourceTarget(HOME + "photo.jpg", 200, None, crawled=True, size=150_000),
    ]
    assert store.resources_at(scan_id, [HOME + "b.png"]) == [
        (HOME, HOME + "b.png", "image"),
        (HOME + "about", HOME + "b.png", "image"),
    ]


def test_nul_bytes_and_lone_surrogates_are_stored_as_replacement_characters(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    page = make_page(
        title="Caf\x00\udce9 \ud83d\ude00",  # NUL, lone surrogate, then a split pair
        meta={"description": "a\x00b"},
        headers=(("x-odd", "v\udcff"),),
        headings=(),
    )
    finding = make_finding(evidence="<title>\x00</title>", message="m\ud800")
    store.save_pages(scan_id, [make_result(page, finding)])
    store.save_links(scan_id, [LinkRecord(HOME, HOME + "\x00", text="\udc80")])
    row = store.load_report(scan_id).pages[0]
    site_page = store.load_site(scan_id).pages[0]
    stored = store.load_report(scan_id).findings[0]
    assert row.title == "Caf\ufffd\ufffd \U0001f600"
    assert site_page.meta_description == "a\ufffdb"
    assert (stored.evidence, stored.message) == ("<title>\ufffd</title>", "m\ufffd")
    assert store.load_site(scan_id).links[0].text == "\ufffd"


def test_very_long_urls_and_titles_are_stored_whole(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    # Random hex does not compress: this exceeds PostgreSQL's ~2.7 kB btree entry limit.
    long_url = f"{HOME}?q={secrets.token_hex(8_000)}"
    title = "T" * 100_000
    store.save_pages(scan_id, [make_result(make_page(long_url, title=title))])
    store.save_pages(scan_id, [make_result(make_page(long_url, title=title))])
    store.save_links(scan_id, [LinkRecord(long_url, long_url + "x")] * 2)
    row = store.load_report(scan_id).pages[0]
    assert (len(row.url), row.title) == (len(long_url), title)
    assert _count(store, pages) == 1
    assert _count(store, links) == 1


def test_finding_severity_and_category_come_back_as_enums(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(scan_id, [make_result(make_page(), make_finding())])
    found = store.load_report(scan_id).findings[0]
    assert (found.severity, found.category) == (Severity.HIGH, Category.ON_PAGE)
    assert found == make_finding()


def test_a_links_position_on_its_page_is_stored_and_read_back(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_links(
        scan_id,
        [
            LinkRecord(HOME, HOME + "about", text="About", position="navigation"),
            LinkRecord(HOME, HOME + "legal", text="Legal", position="footer"),
            LinkRecord(HOME, HOME + "post"),
            LinkRecord(HOME, "https://elsewhere.example/", position="aside", internal=False),
        ],
    )
    site = store.load_site(scan_id)
    assert [(link.target, link.position) for link in site.links] == [
        (HOME + "about", "navigation"),
        (HOME + "legal", "footer"),
        (HOME + "post", "content"),
    ]
    assert store.links_to(scan_id, ["https://elsewhere.example/"]) == [
        (HOME, "https://elsewhere.example/", "", "aside")
    ]


def test_the_links_export_gives_every_link_with_what_its_target_answered(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    other = store.create_scan(ScanSpec(HOME))
    store.save_pages(
        scan_id,
        [
            make_result(make_page()),
            make_result(make_page(HOME + "gone", status=404, is_html=False)),
            make_result(make_page(HOME + "slow", status=None, error_code="timeout")),
        ],
    )
    store.save_links(
        scan_id,
        [
            LinkRecord(HOME, HOME + "gone", "Old", ("nofollow",), position="footer"),
            LinkRecord(HOME, HOME + "slow", "Slow"),
            LinkRecord(HOME, HOME + "later", "Never fetched"),
            LinkRecord(HOME, "https://elsewhere.example/", "Out", internal=False),
        ],
    )
    store.save_links(other, [LinkRecord(HOME, HOME + "gone", "Other scan")])
    assert [tuple(row) for row in store.link_rows(scan_id)] == [
        (HOME, HOME + "gone", "Old", ("nofollow",), "footer", True, 404, None),
        (HOME, HOME + "slow", "Slow", (), "content", True, None, "timeout"),
        (HOME, HOME + "later", "Never fetched", (), "content", True, None, None),
        (HOME, "https://elsewhere.example/", "Out", (), "content", False, None, None),
    ]


def test_a_scan_s_links_are_read_in_storage_order_whatever_other_scans_stored_meanwhile(
    store: SqlScanStore,
) -> None:
    # On SQLite a scan's links are read by their range of ids (not through an index and a
    # sort of them all): another scan's links within that range must stay out.
    first, second, empty = (store.create_scan(ScanSpec(HOME)) for _ in range(3))
    store.save_links(first, [LinkRecord(HOME, HOME + "a", "1")])
    store.save_links(second, [LinkRecord(HOME, HOME + "b", "other")])
    store.save_links(first, [LinkRecord(HOME + "a", HOME + "c", "2")])
    store.save_links(second, [LinkRecord(HOME, HOME + "d", "other")])
    store.save_links(first, [LinkRecord(HOME, HOME + "b", "3")])
    assert [link.text for link in store.load_site(first).links] == ["1", "2", "3"]
    assert [row.text for row in store.link_rows(second)] == ["other", "other"]
    assert list(store.load_site(empty).links) == []
    assert list(store.link_rows(empty)) == []


def test_a_scan_s_links_are_read_whole_and_in_order_across_chunks(
    store: SqlScanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Links are read LINK_CHUNK rows at a time: the driver's tuples on SQLite, a server-side
    # cursor on PostgreSQL. With chunks of two, no row may be lost or repeated at a chunk's
    # edge (SQLAlchemy reads a row ahead of a streamed cursor: reading the driver's cursor
    # behind its back would lose it), for the site graph and for a resume.
    monkeypatch.setattr(reading, "LINK_CHUNK", 2)
    scan_id = store.create_scan(ScanSpec(HOME))
    store.save_pages(scan_id, [make_result(make_page(HOME))])
    targets = [f"{HOME}p{n}" for n in range(7)]
    store.save_links(scan_id, [LinkRecord(HOME, url, str(n)) for n, url in enumerate(targets)])
    assert [link.text for link in store.load_site(scan_id).links] == [str(n) for n in range(7)]
    assert store.load_crawl_state(scan_id).pending == [(url, 1) for url in targets]
