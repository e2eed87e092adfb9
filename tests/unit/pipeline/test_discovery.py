import pytest

from siteaudit.model import Link, Page
from siteaudit.model.report import MAX_HOSTS
from siteaudit.model.site import LinkTable, Site, SiteLink, SitePage
from siteaudit.pipeline import discovery
from siteaudit.pipeline.discovery import Frontier, FrontierEntry, discover
from siteaudit.pipeline.urls import Scope


def make_frontier(**overrides: object) -> Frontier:
    values: dict[str, object] = {
        "scope": Scope.from_spec("http://e.com/"),
        "max_pages": 100,
        "max_depth": 5,
    }
    values.update(overrides)
    return Frontier(**values)  # type: ignore[arg-type]


def make_page(**overrides: object) -> Page:
    values: dict[str, object] = {
        "url": "http://e.com/",
        "final_url": "http://e.com/",
        "status": 200,
        "is_html": True,
    }
    values.update(overrides)
    return Page(**values)  # type: ignore[arg-type]


def test_frontier_is_breadth_first_and_never_repeats_a_url() -> None:
    frontier = make_frontier()
    assert frontier.offer("http://e.com/", 0, "start")
    assert not frontier.offer("http://e.com/", 1, "link")
    frontier.offer("http://e.com/b", 2, "link")
    frontier.offer("http://e.com/a", 1, "link")
    assert [frontier.pop().url for _ in range(3)] == [  # type: ignore[union-attr]
        "http://e.com/",
        "http://e.com/b",
        "http://e.com/a",
    ]
    assert frontier.pop() is None


def test_a_queued_url_found_closer_to_the_start_is_fetched_at_that_depth() -> None:
    # Pages finish out of order: a page two clicks deep may offer a link before a page one
    # click deep offers the same link. The URL keeps the shallowest depth until popped.
    frontier = make_frontier()
    frontier.offer("http://e.com/x", 3, "link")
    assert not frontier.offer("http://e.com/x", 2, "link")  # already queued: not again
    assert not frontier.offer("http://e.com/x", 4, "link")  # deeper: no change
    entry = frontier.pop()
    assert entry == FrontierEntry("http://e.com/x", 2, "link")
    frontier.offer("http://e.com/x", 1, "link")  # fetched already: nothing to lower
    assert frontier.pop() is None


def test_a_tracking_frontier_notes_popped_urls_found_closer_to_the_start() -> None:
    # The distributed engine's queue is its database: it lowers those work rows.
    frontier = make_frontier(track_depths=True)
    frontier.offer("http://e.com/x", 3, "link")
    frontier.pop()
    frontier.offer("http://e.com/x", 4, "link")
    assert frontier.closer == {}
    frontier.offer("http://e.com/x", 2, "link")
    frontier.offer("http://e.com/x", 2, "link")
    assert frontier.closer == {"http://e.com/x": 2}
    frontier.closer.clear()
    frontier.offer("http://e.com/x", 2, "link")  # no closer than the last one noted
    assert frontier.closer == {}


def test_a_sitemap_listing_a_known_url_changes_nothing_of_its_depth() -> None:
    frontier = make_frontier(track_depths=True)
    frontier.offer("http://e.com/queued", 2, "link")
    frontier.offer("http://e.com/popped", 3, "link")
    frontier.pop()
    frontier.pop()
    frontier.offer("http://e.com/queued", 2, "link")
    frontier.offer_sitemap_urls(["http://e.com/queued", "http://e.com/popped"])
    assert frontier.closer == {}
    frontier.offer("http://e.com/again", 2, "link")
    frontier.offer_sitemap_urls(["http://e.com/again"])
    assert frontier.pop() == FrontierEntry("http://e.com/again", 2, "link")


def test_a_url_queued_from_a_sitemap_keeps_its_place_and_depth() -> None:
    frontier = make_frontier()
    frontier.offer_sitemap_urls(["http://e.com/listed"])
    frontier.offer("http://e.com/listed", 2, "link")  # deeper than a sitemap's 0
    assert frontier.pop() == FrontierEntry(
        "http://e.com/listed", discovery.SITEMAP_DEPTH, "sitemap"
    )


def test_sitemap_urls_wait_behind_link_found_urls() -> None:
    frontier = make_frontier()
    frontier.offer_sitemap_urls(["http://e.com/orphan"])
    frontier.offer("http://e.com/", 0, "start")
    first, second = frontier.pop(), frontier.pop()
    assert first is not None and first.url == "http://e.com/"
    assert second is not None and second.found_via == "sitemap"


def test_page_and_depth_limits_are_counted_as_skips() -> None:
    frontier = make_frontier(max_pages=2, max_depth=1)
    assert frontier.offer("http://e.com/", 0, "start")
    assert not frontier.offer("http://e.com/deep", 2, "link")
    assert frontier.offer("http://e.com/a", 1, "link")
    assert not frontier.offer("http://e.com/b", 1, "link")
    assert frontier.counters == {"discover/skipped/too-deep": 1, "discover/skipped/page-limit": 1}


def test_a_url_a_limit_keeps_out_is_counted_once_however_many_pages_link_to_it() -> None:
    frontier = make_frontier(max_pages=1, max_depth=1)
    assert frontier.offer("http://e.com/", 0, "start")
    for _ in range(3):  # three pages linking to the same two URLs
        assert not frontier.offer("http://e.com/a", 1, "link")
        assert not frontier.offer("http://e.com/deep", 2, "link")
    assert frontier.counters == {"discover/skipped/too-deep": 1, "discover/skipped/page-limit": 1}
    # Offered within the depth limit later, it is the page limit that keeps it out: counted
    # there, once.
    assert not frontier.offer("http://e.com/deep", 1, "link")
    assert not frontier.offer("http://e.com/deep", 2, "link")
    assert frontier.counters == {"discover/skipped/page-limit": 2}


def test_a_url_offered_too_deep_then_within_the_limit_is_not_counted_as_left_out() -> None:
    # Pages finish out of order: the Python docs at --max-depth 2 said 44 to 54 URLs were
    # past the limit, a different number each scan, where 10 were.
    frontier = make_frontier(max_depth=1)
    assert frontier.offer("http://e.com/", 0, "start")
    assert not frontier.offer("http://e.com/a", 2, "link")
    assert not frontier.offer("http://e.com/deep", 2, "link")
    assert frontier.offer("http://e.com/a", 1, "link")  # a shorter path, later
    assert frontier.counters == {"discover/skipped/too-deep": 1}
    assert frontier.offer("http://e.com/deep", 1, "link")
    assert frontier.counters == {}


def test_a_frontier_that_does_not_count_left_out_urls_hands_them_over_once() -> None:
    # The distributed engine counts them in its database, once across processes.
    frontier = make_frontier(max_pages=2, max_depth=1)
    frontier.count_left_out = False
    assert frontier.offer("http://e.com/", 0, "start")
    for _ in range(2):
        assert not frontier.offer("http://e.com/deep", 2, "link")
    assert frontier.offer("http://e.com/a", 1, "link")
    assert not frontier.offer("http://e.com/b", 1, "link")
    assert frontier.take_left_out() == [
        ("http://e.com/deep", "too-deep"),
        ("http://e.com/b", "page-limit"),
    ]
    assert frontier.take_left_out() == []
    assert frontier.counters == {}


def test_the_urls_a_limit_keeps_out_are_counted_up_to_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery, "LEFT_OUT_COUNTED", 3)
    frontier = make_frontier(max_pages=1)
    frontier.offer("http://e.com/", 0, "start")
    for n in range(10):
        assert not frontier.offer(f"http://e.com/{n}", 1, "link")
    assert frontier.counters == {"discover/skipped/page-limit": 3}
    assert len(frontier._left_out) == 3  # what a site can make it remember


def test_robots_disallowed_urls_are_not_queued() -> None:
    frontier = make_frontier(allowed_by_robots=lambda url: "/private" not in url)
    assert not frontier.offer("http://e.com/private/x", 1, "link")
    assert frontier.counters["discover/skipped/robots-disallowed"] == 1


def test_discover_follows_internal_links_but_not_nofollow_or_external() -> None:
    frontier = make_frontier()
    page = make_page(
        links=(
            Link("http://e.com/a"),
            Link("http://e.com/b", rel=("nofollow",)),
            Link("http://x.com/", internal=False),
        )
    )
    assert discover(page, 0, frontier) == ["http://e.com/a"]


def test_a_redirect_target_is_crawled_as_a_page_of_its_own() -> None:
    frontier = make_frontier()
    page = make_page(url="http://e.com/old", final_url="http://e.com/new", is_html=False)
    assert discover(page, 1, frontier) == ["http://e.com/new"]


def test_a_claimed_redirect_target_counts_as_a_page_and_is_never_queued() -> None:
    frontier = make_frontier(
        scope=Scope.from_spec("http://e.com/", exclude=(r"/private",), strip_params=("utm_*",)),
        max_pages=3,
        max_depth=2,
    )
    assert frontier.offer("http://e.com/", 0, "start")
    assert frontier.claim("http://e.com/new", 1, "redirect")
    assert not frontier.offer("http://e.com/new", 1, "redirect")  # taken: never queued
    assert not frontier.claim("http://e.com/new", 1, "redirect")
    assert not frontier.claim("http://e.com/", 1, "redirect")  # queued already
    assert not frontier.claim("http://e.com/private/x", 1, "redirect")  # excluded
    assert not frontier.claim("http://other.com/x", 1, "redirect")  # another site
    assert not frontier.claim("http://e.com/deep", 3, "redirect")
    # The target of a chain must be the URL the crawl would fetch: parameter rules would
    # fetch another one.
    assert not frontier.claim("http://e.com/a?utm_source=x", 1, "redirect")
    assert frontier.seen == {"http://e.com/", "http://e.com/new"}
    assert frontier.claim("http://e.com/last", 1, "redirect")  # the third page...
    assert not frontier.claim("http://e.com/more", 1, "redirect")  # ... is the limit
    assert frontier.counters["discover/skipped/page-limit"] == 1
    assert [frontier.pop(), frontier.pop()] == [FrontierEntry("http://e.com/", 0, "start"), None]


@pytest.mark.parametrize(
    ("content", "base", "expected"),
    [
        ("0; url=/en/", None, ["http://e.com/en/"]),
        ("0;URL='guide.html'", "http://e.com/docs/", ["http://e.com/docs/guide.html"]),
        ("5", None, []),  # a reload, no target
        ("0; url=http://e.com/", None, []),  # itself
    ],
)
def test_a_meta_refresh_target_is_crawled_as_a_redirect_is(
    content: str, base: str | None, expected: list[str]
) -> None:
    # Followed even when the page asks robots not to follow its links: it is a redirect.
    page = make_page(meta={"refresh": content}, base_href=base, meta_robots=("nofollow",))
    assert discover(page, 0, make_frontier()) == expected
    assert [via for _, _, via in discovery.candidates(page, 0, follow_nofollow=False)] == [
        "redirect"
    ] * len(expected)


def test_canonical_urls_are_crawled_to_judge_them_after_the_links() -> None:
    page = make_page(
        # Itself, another site's page (not crawled, not counted), then one of its own host.
        canonicals=("http://e.com/", "https://other.example/x", "http://e.com/preferred"),
        links=(Link("http://e.com/a"), Link("http://e.com/preferred")),
    )
    # Linked too: found by its link first (the canonical is offered after the links).
    frontier = make_frontier()
    assert discover(page, 0, frontier) == ["http://e.com/a", "http://e.com/preferred"]
    assert frontier.counters["discover/skipped/out-of-scope"] == 0
    alone = make_page(canonicals=("http://e.com/preferred",), meta_robots=("nofollow",))
    offered = discovery.candidates(alone, 2, follow_nofollow=False)
    assert offered == [("http://e.com/preferred", 3, "canonical")]  # a hint, not a link


def test_a_page_with_meta_robots_nofollow_is_not_followed() -> None:
    frontier = make_frontier()
    page = make_page(meta_robots=("noindex", "nofollow"), links=(Link("http://e.com/a"),))
    assert discover(page, 0, frontier) == []


@pytest.mark.parametrize(
    "says",
    [
        {"meta_robots": ("none",)},  # noindex and nofollow in one word
        {"headers": (("x-robots-tag", "googlebot: nofollow"),)},  # for one crawler
        {"headers": (("x-robots-tag", "noarchive, NONE"),)},
    ],
    ids=["meta-none", "header-with-user-agent", "header-none"],
)
def test_every_way_a_page_says_nofollow_stops_its_links(says: dict[str, object]) -> None:
    page = make_page(links=(Link("http://e.com/a"),), **says)
    assert discover(page, 0, make_frontier()) == []
    assert discover(page, 0, make_frontier(follow_nofollow=True)) == ["http://e.com/a"]


def test_an_infinite_calendar_is_stopped_and_named_as_a_trap() -> None:
    frontier = make_frontier(max_depth=1000, max_pages=10_000)
    frontier.offer("http://e.com/", 0, "start")
    queued = [
        frontier.offer(f"http://e.com/cal/{2000 + m // 12}/{m % 12 + 1:02d}", m + 1, "link")
        for m in range(100)
    ]
    assert 10 <= sum(queued) <= 20
    (trap,) = frontier.traps.values()
    assert trap.kind == "path-pattern"
    assert trap.pattern == "e.com/cal/N/N"


def test_session_ids_in_every_link_are_bounded_per_path() -> None:
    frontier = make_frontier(max_pages=10_000)
    queued = sum(frontier.offer(f"http://e.com/page?sid={i:x}", 1, "link") for i in range(1000))
    assert queued == frontier.traps_limits.max_query_variants
    assert frontier.counters["discover/trap/query-variants"] == 1000 - queued


def test_a_large_catalogue_at_one_depth_is_not_a_trap() -> None:
    frontier = make_frontier(max_pages=100_000)
    assert all(frontier.offer(f"http://e.com/product/{i}", 2, "link") for i in range(20_000))
    assert not frontier.traps


def test_repeated_path_segments_and_very_long_urls_are_traps() -> None:
    frontier = make_frontier()
    assert not frontier.offer("http://e.com/a/b/a/b/a/b", 1, "link")
    assert not frontier.offer("http://e.com/" + "x" * 3000, 1, "link")
    assert {t.kind for t in frontier.traps.values()} == {"repeated-segments", "url-length"}


def test_robots_blocked_urls_do_not_count_towards_the_page_limit() -> None:
    frontier = make_frontier(max_pages=1, allowed_by_robots=lambda url: "/private" not in url)
    assert not frontier.offer("http://e.com/private", 1, "link")
    assert frontier.offer("http://e.com/", 0, "start")
    assert frontier.robots_blocked == {"http://e.com/private"}


def test_the_frontier_applies_the_parameter_rules_before_it_compares_urls() -> None:
    frontier = make_frontier(scope=Scope.from_spec("http://e.com/", strip_params=("utm_*",)))
    assert frontier.offer("http://e.com/a?utm_source=news&id=1", 1, "link")
    assert not frontier.offer("http://e.com/a?id=1&utm_medium=mail", 1, "link")
    entry = frontier.pop()
    assert entry is not None and entry.url == "http://e.com/a?id=1"
    assert frontier.seen == {"http://e.com/a?id=1"}


def test_subdomain_hosts_are_bounded_and_the_urls_past_the_bound_counted() -> None:
    frontier = make_frontier(scope=Scope.from_spec("http://e.com/", subdomains=True), max_pages=999)
    hosts = [f"http://h{n}.e.com/" for n in range(MAX_HOSTS + 5)]
    queued = [frontier.offer(url, 1, "link") for url in hosts]
    assert queued == [True] * MAX_HOSTS + [False] * 5
    assert frontier.offer("http://h0.e.com/more", 1, "link")  # a known host still grows
    assert frontier.counters["discover/skipped/host-limit"] == 5


def test_a_url_blocked_after_queueing_stops_counting_as_a_page() -> None:
    frontier = make_frontier(max_pages=1)
    assert frontier.offer("http://e.com/a", 1, "link")
    assert not frontier.offer("http://e.com/b", 1, "link")  # the page limit
    frontier.block("http://e.com/a")
    assert frontier.robots_blocked == {"http://e.com/a"}
    assert not frontier.offer("http://e.com/a", 1, "link")  # never queued again
    assert frontier.offer("http://e.com/c", 1, "link")  # its place is free again
    assert frontier.counters["discover/skipped/robots-disallowed"] == 1


def test_pages_a_resumed_scan_stored_count_under_the_page_and_host_limits() -> None:
    scope = Scope.from_spec("http://e.com/", subdomains=True)
    frontier = make_frontier(scope=scope, max_pages=999)
    frontier.restore({f"http://h{n}.e.com/": 1 for n in range(MAX_HOSTS)}, [])
    assert not frontier.offer("http://h0.e.com/", 1, "link")  # stored: never again
    assert frontier.offer("http://h0.e.com/more", 1, "link")  # a known host
    assert not frontier.offer("http://new.e.com/", 1, "link")  # one host too many
    assert frontier.counters["discover/skipped/host-limit"] == 1


def test_a_trap_bound_holds_across_a_resume() -> None:
    sessions = [f"http://e.com/page?sid={i:x}" for i in range(1000)]
    limit = make_frontier().traps_limits.max_query_variants
    # The first run stored 150 variants, then died; its stored links lead to the rest.
    frontier = make_frontier(max_pages=10_000)
    frontier.restore(dict.fromkeys(sessions[:150], 1), [(url, 1) for url in sessions[150:]])
    assert len(drain(frontier)) == limit - 150
    assert [t.kind for t in frontier.traps.values()] == ["query-variants"]
    # A calendar crawled 10 months deep, resumed: it goes no deeper than in one run.
    months = [f"http://e.com/cal/{2000 + m // 12}/{m % 12 + 1:02d}" for m in range(100)]
    calendar = make_frontier(max_depth=1000, max_pages=10_000)
    calendar.restore({url: m + 1 for m, url in enumerate(months[:10])}, [(months[10], 11)])
    depths = [m + 1 for m, url in enumerate(months[11:], 11) if calendar.offer(url, m + 1, "link")]
    span = calendar.traps_limits.max_pattern_depth_span
    assert max(depths) == 1 + span  # the first month was at depth 1: as deep as in one run


def test_a_resumed_frontier_counts_links_once_and_left_out_urls_afresh() -> None:
    scope = Scope.from_spec("http://e.com/", exclude=("/private/*",))
    frontier = make_frontier(scope=scope, max_pages=2)
    frontier.counters.update({"discover/skipped/out-of-scope": 7, "discover/trap/url-length": 1})
    pending = [("http://e.com/private/a", 1), ("http://e.com/b", 1), ("http://e.com/c", 1)]
    frontier.restore({"http://e.com/": 0}, pending)
    assert drain(frontier) == [FrontierEntry("http://e.com/b", 1, "link")]
    assert frontier.counters == {
        "discover/skipped/out-of-scope": 7,  # as counted when the links were first offered
        "discover/trap/url-length": 1,
        "discover/skipped/page-limit": 1,  # http://e.com/c, counted afresh
    }


def test_a_resumed_scan_whose_start_page_was_not_stored_fetches_it_first() -> None:
    # Killed before the start page was stored; its stored links fill the page limit.
    frontier = make_frontier(max_pages=3)
    pending = [(f"http://e.com/p{n}", 1) for n in range(5)]
    frontier.restore({"http://e.com/p9": 1}, pending, start="http://e.com/")
    assert drain(frontier) == [
        FrontierEntry("http://e.com/", 0, "start"),
        FrontierEntry("http://e.com/p0", 1, "link"),
    ]
    assert frontier.counters["discover/skipped/page-limit"] == 4


def test_a_resumed_scan_s_pages_that_were_not_stored_offer_their_links_first() -> None:
    # Killed when a page a click away was stored but not the start page: the stored page's
    # links (two clicks away) took every place under the page limit before the start page,
    # fetched again, offered the pages a click away.
    frontier = make_frontier(max_pages=4)
    deeper = [(f"http://e.com/stored/q{n}", 2) for n in range(3)]
    frontier.restore({"http://e.com/stored": 1}, deeper, start="http://e.com/")
    assert frontier.pop() == FrontierEntry("http://e.com/", 0, "start")
    # While it is fetched (its links unknown), nothing more is queued: not the stored
    # page's links, two clicks away.
    assert frontier.pop() is None
    assert frontier.offer("http://e.com/a1", 1, "link")  # the start page's links, again
    assert frontier.offer("http://e.com/a2", 1, "link")
    assert frontier.offer("http://e.com/stored", 1, "link") is False  # stored already
    assert drain(frontier) == [
        FrontierEntry("http://e.com/a1", 1, "link"),
        FrontierEntry("http://e.com/a2", 1, "link"),
    ]
    assert frontier.counters == {"discover/skipped/page-limit": 3}


def test_a_resumed_scan_offers_its_stored_links_a_depth_at_a_time() -> None:
    frontier = make_frontier(max_pages=100)
    pending = [("http://e.com/b", 1), ("http://e.com/c", 2), ("http://e.com/a", 1)]
    frontier.restore({"http://e.com/": 0}, pending, offers=[("http://e.com/d", 2, "redirect")])
    assert len(frontier) == 4
    assert frontier.pop() is None  # the start page stored: the next depth once idle
    assert frontier.release_resumed()
    assert frontier.pop() == FrontierEntry("http://e.com/b", 1, "link")  # in their order
    # What /b links to, two clicks away, queues behind the rest of depth 1 and with depth 2.
    assert frontier.offer("http://e.com/b/x", 2, "link")
    assert drain(frontier) == [
        FrontierEntry("http://e.com/a", 1, "link"),
        FrontierEntry("http://e.com/b/x", 2, "link"),
        FrontierEntry("http://e.com/c", 2, "link"),
        FrontierEntry("http://e.com/d", 2, "redirect"),
    ]


def test_a_refresh_header_target_is_crawled_as_a_redirect_is() -> None:
    # `Refresh: 0; url=...` as an HTTP header, which browsers follow like the meta tag.
    # Relative to the response URL, not to the document's <base href>.
    page = make_page(headers=(("refresh", "0; url=moved/"),), base_href="http://e.com/b/")
    assert discover(page, 0, make_frontier()) == ["http://e.com/moved/"]
    both = make_page(meta={"refresh": "0; url=/meta/"}, headers=(("refresh", "0; url=/hdr/"),))
    assert discover(both, 0, make_frontier()) == ["http://e.com/meta/"]  # the page's own first


def test_the_start_url_is_crawled_whatever_include_and_exclude_say() -> None:
    # `--include /blog/` from the home page: the home page is where the blog's pages are
    # found, as in Screaming Frog. Before, the scan fetched nothing and failed with
    # "nothing could be fetched".
    scope = Scope.from_spec("http://e.com/", include=("/blog/",), exclude=("/blog/draft",))
    frontier = make_frontier(scope=scope)
    assert frontier.offer("http://e.com/", 0, "start")
    assert frontier.offer("http://e.com/blog/post", 1, "link")
    assert not frontier.offer("http://e.com/about", 1, "link")
    assert not frontier.offer("http://e.com/blog/draft-1", 1, "link")
    assert not frontier.offer("http://other.com/blog/", 1, "link")  # other hosts never
    assert frontier.counters == {"discover/skipped/out-of-scope": 3}


def _site(pages: list[SitePage], links: list[SiteLink]) -> Site:
    return Site(start_url="http://e.com/", pages=tuple(pages), links=LinkTable(links))


def _page(path: str, depth: int, **overrides: object) -> SitePage:
    url = f"http://e.com/{path}"
    values: dict[str, object] = {"url": url, "final_url": url, "status": 200, "is_html": True}
    values.update(overrides)
    return SitePage(depth=depth, **values)  # type: ignore[arg-type]


def test_shortest_depths_lowers_pages_along_the_links_the_crawl_followed() -> None:
    # /late was fetched three clicks deep before the start page's link to it counted; its
    # child /under four; /else is where its links say.
    pages = [_page("", 0), _page("a", 1), _page("b", 2), _page("late", 3), _page("under", 4)]
    pages.append(_page("else", 2))
    e = "http://e.com/"
    links = [
        SiteLink(e, e + "a"),
        SiteLink(e + "a", e + "b"),
        SiteLink(e + "b", e + "late"),
        SiteLink(e, e + "late"),
        SiteLink(e + "late", e + "under"),
        SiteLink(e + "a", e + "else"),
        SiteLink(e + "under", e),  # back to the start: nothing to lower
    ]
    depths = discovery.shortest_depths(_site(pages, links), follow_nofollow=False)
    assert depths == {e + "late": 1, e + "under": 2}


def test_shortest_depths_follows_what_the_crawl_follows_and_nothing_else() -> None:
    e = "http://e.com/"
    pages = [
        _page("", 0),
        _page("nofollowed", 3),  # linked rel=nofollow from the start
        _page("quiet", 1, follows_links=False),  # <meta name=robots content=nofollow>
        _page("behind-quiet", 3),
        _page("moved", 1, final_url=e + "target"),  # redirects: its target at its depth
        _page("target", 3),
        _page("canonical-of", 1, canonical=e + "canonical"),  # one click more
        _page("canonical", 4),
        _page("listed", 0, found_via="sitemap"),
        _page("from-listed", 3),
    ]
    links = [
        SiteLink(e, e + "nofollowed", nofollow=True),
        SiteLink(e + "quiet", e + "behind-quiet"),
        SiteLink(e + "listed", e + "from-listed"),
        SiteLink(e + "from-listed", e + "listed"),  # a sitemap page stays at 0
    ]
    site = _site(pages, links)
    assert discovery.shortest_depths(site, follow_nofollow=False) == {
        e + "target": 1,
        e + "canonical": 2,
        e + "from-listed": 1,
    }
    assert discovery.shortest_depths(site, follow_nofollow=True)[e + "nofollowed"] == 1


def test_cut_links_are_those_a_shorter_path_brings_within_the_depth_limit() -> None:
    # Depth limit 3: /late was fetched at 3 (its links at 4 left out) but is 1 click from the
    # start; /deep at 3 is really 3; /quiet's links were never followed (robots nofollow).
    e = "http://e.com/"
    pages = [
        _page("", 0),
        _page("a", 1),
        _page("b", 2),
        _page("late", 3),
        _page("deep", 3),
        _page("quiet", 3, follows_links=False),
    ]
    links = [
        SiteLink(e, e + "a"),
        SiteLink(e + "a", e + "b"),
        SiteLink(e + "b", e + "late"),
        SiteLink(e + "b", e + "deep"),
        SiteLink(e, e + "late"),
        SiteLink(e, e + "quiet"),
        SiteLink(e + "late", e + "cut"),  # no page: left out at 4, now at 2
        SiteLink(e + "late", e + "cut-nofollow", nofollow=True),
        SiteLink(e + "late", e + "a"),  # a page already
        SiteLink(e + "deep", e + "too-deep"),  # still at 4
        SiteLink(e + "quiet", e + "behind-quiet"),
    ]
    site = _site(pages, links)
    assert discovery.cut_links(site, 3, follow_nofollow=False) == [(e + "cut", 2)]
    assert discovery.cut_links(site, 3, follow_nofollow=True) == [
        (e + "cut", 2),
        (e + "cut-nofollow", 2),
    ]
    assert discovery.cut_links(site, 4, follow_nofollow=False) == []  # nothing was cut


def test_a_site_takes_the_settled_depths() -> None:
    site = _site([_page("", 0), _page("a", 3)], [SiteLink("http://e.com/", "http://e.com/a")])
    settled = site.with_depths(discovery.shortest_depths(site, follow_nofollow=False))
    assert [page.depth for page in settled.pages] == [0, 1]
    assert site.with_depths({}) is site


def drain(frontier: Frontier) -> list[FrontierEntry]:
    """Every URL the frontier hands out, as the local engine takes them: a resumed scan's
    next depth once nothing is queued or in flight."""
    taken: list[FrontierEntry] = []
    while (entry := frontier.pop()) is not None or frontier.release_resumed():
        if entry is not None:
            taken.append(entry)
    return taken
