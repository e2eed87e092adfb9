"""A page keeps at most `MAX_PER_KIND` elements of each kind, and says which kinds it cut.

Within the body cap a page can hold hundreds of thousands of images or headings; each one
kept cost a worker's memory and time and a row or a JSON entry in storage.
"""

from __future__ import annotations

import pytest
from tests.unit.pipeline.factories import make_fetched

from siteaudit.model import Page
from siteaudit.model.page import MAX_PER_KIND
from siteaudit.pipeline.extraction import extract

# One element of each kind that is bounded, by the kind's name in `Page.truncated`.
ELEMENT = {
    "images": '<img src="/i{n}.png" alt="">',
    "headings": "<h2>Heading {n}</h2>",
    "scripts": '<script src="/s{n}.js"></script>',
    "<link> elements": '<link rel="preload" href="/f{n}.woff2" as="font">',
    "<meta> elements": '<meta name="m{n}" content="x">',
    "hreflangs": '<link rel="alternate" hreflang="x-{n}" href="/l{n}">',
    "canonicals": '<link rel="canonical" href="/c{n}">',
    "iframes": '<iframe src="/f{n}" title="f"></iframe>',
    "tables": "<table><tr><td>{n}</td></tr></table>",
    "audio and video elements": '<video src="/v{n}.mp4"></video>',
}


def page_of(kind: str, count: int, before: str = "") -> Page:
    elements = "".join(ELEMENT[kind].format(n=n) for n in range(count))
    html = f"<!DOCTYPE html><html lang=en><head><title>t</title></head><body>{before}{elements}"
    return extract(make_fetched(html), depth=0, is_internal=lambda url: True)


@pytest.mark.parametrize("kind", ELEMENT)
def test_a_kind_past_the_bound_is_cut_and_named(kind: str) -> None:
    assert page_of(kind, MAX_PER_KIND).truncated == ()
    # hreflang annotations and canonicals are <link> elements too.
    also = ["<link> elements"] if kind in {"hreflangs", "canonicals"} else []
    assert page_of(kind, MAX_PER_KIND + 1).truncated == tuple(sorted([kind, *also]))


def test_the_kept_elements_are_the_first_ones() -> None:
    page = page_of("images", MAX_PER_KIND + 500)
    assert [image.src for image in page.images] == [
        f"https://example.com/i{n}.png" for n in range(MAX_PER_KIND)
    ]
    assert len(page.resources) == MAX_PER_KIND
    headings = page_of("headings", 3 * MAX_PER_KIND).headings
    assert [h.text for h in headings] == [f"Heading {n}" for n in range(MAX_PER_KIND)]
    assert len(page_of("hreflangs", MAX_PER_KIND + 1).hreflangs) == MAX_PER_KIND
    assert len(page_of("canonicals", MAX_PER_KIND + 1).canonicals) == MAX_PER_KIND
    assert len(page_of("<meta> elements", MAX_PER_KIND + 1).meta) == MAX_PER_KIND


def test_linked_images_and_head_scripts_are_known_among_the_kept_ones() -> None:
    # The images inside links, and the scripts in <head>, are looked up among the first
    # matches of their own queries: those are the ones among the first elements.
    linked = "".join(f'<a href="/p{n}"><img src="/l{n}.png"></a>' for n in range(MAX_PER_KIND))
    page = page_of("images", 10, before=linked)
    assert all(image.linked for image in page.images)
    assert page.truncated == ("images",)
    head = "".join(f'<script src="/h{n}.js"></script>' for n in range(MAX_PER_KIND + 5))
    html = f"<!DOCTYPE html><html><head>{head}</head><body><script src=/b.js></script>"
    scripts = extract(make_fetched(html), depth=0, is_internal=lambda url: True).scripts
    assert len(scripts) == MAX_PER_KIND and all(script.in_head for script in scripts)


def test_accessibility_problems_are_listed_up_to_their_own_bound_from_the_first() -> None:
    buttons = "".join(f"<button id=b{n}></button>" for n in range(200))
    page = page_of("images", 0, before=buttons)
    assert [e.locator for e in page.empty_buttons] == [f"#b{n}" for n in range(50)]


def test_robots_directives_past_the_kept_metas_still_count_once_each() -> None:
    # A crawler obeys a noindex wherever it stands; the page's directives stay few.
    hidden = '<meta name="robots" content="noindex, nofollow">' * 3
    html = (
        "<!DOCTYPE html><html><head><title>t</title>"
        + "".join(f'<meta name="m{n}" content="x">' for n in range(MAX_PER_KIND))
        + hidden
        + '<meta name="googlebot" content="noarchive">'
    )
    page = extract(make_fetched(html), depth=0, is_internal=lambda url: True)
    assert page.truncated == ("<meta> elements",)
    assert page.meta_robots == ("noindex", "nofollow", "noarchive")
    assert len(page.meta) == MAX_PER_KIND
