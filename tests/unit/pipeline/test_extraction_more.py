"""Extraction of structure, resources, structured data, accessibility and content statistics."""

from __future__ import annotations

import pytest
from tests.unit.pipeline.factories import make_fetched

from siteaudit.model import Page
from siteaudit.model.page import Element, Resource
from siteaudit.pipeline.extraction import extract
from siteaudit.pipeline.extraction_text import MAX_PROSE_WORDS, PROSE_SLICE, syllable_count
from siteaudit.pipeline.urls import host_of


def extract_html(html: str) -> Page:
    return extract(
        make_fetched(html), depth=0, is_internal=lambda url: host_of(url) == "example.com"
    )


# --- structure and resources ------------------------------------------------------------


def test_doctype_name_is_read_after_comments_and_an_xml_declaration() -> None:
    page = extract_html('<?xml version="1.0"?><!-- x --><!DOCTYPE HTML PUBLIC "x"><p>a</p>')
    assert page.doctype == "html"


def test_a_page_without_doctype_has_none() -> None:
    assert extract_html("<p>no doctype</p><!DOCTYPE html>").doctype is None


def test_dom_size_counts_elements_and_their_deepest_nesting() -> None:
    page = extract_html("<html><head></head><body><div><p><b>x</b></p></div></body></html>")
    assert page.dom_nodes == 6  # html head body div p b
    assert page.dom_depth == 5  # html > body > div > p > b


def test_scripts_record_placement_loading_and_integrity_and_skip_data_blocks() -> None:
    page = extract_html(
        "<head><script src='/a.js' async integrity='sha384-x' crossorigin='anonymous'></script>"
        "<script type='application/ld+json'>{}</script></head>"
        "<body><script type='module'>let x = 1;</script></body>"
    )
    external, inline = page.scripts
    assert external.src == "https://example.com/a.js"
    assert (external.in_head, external.is_async, external.is_defer) == (True, True, False)
    assert (external.integrity, external.crossorigin) == ("sha384-x", "anonymous")
    assert (inline.in_head, inline.is_module, inline.inline_bytes) == (False, True, 10)


def test_stylesheets_and_other_links_are_separated_with_absolute_hrefs() -> None:
    page = extract_html(
        "<link rel='stylesheet' href='/s.css' media='print'>"
        "<link rel='next' href='p2.html'><link rel='icon' href='/favicon.ico'>"
    )
    assert [(s.href, s.media) for s in page.stylesheets] == [("https://example.com/s.css", "print")]
    assert [(link.rel, link.href) for link in page.link_rels] == [
        (("next",), "https://example.com/p2.html"),
        (("icon",), "https://example.com/favicon.ico"),
    ]


def test_resources_list_every_subresource_once_with_its_kind() -> None:
    page = extract_html(
        "<script src='/a.js'></script><link rel='stylesheet' href='/s.css'>"
        "<img src='/i.png' srcset='/i-2x.png 2x, /i-3x.png 3x'><img src='/i.png'>"
        "<img src='data:image/png;base64,AAAA'><iframe src='https://v.example.net/e'></iframe>"
        "<video poster='/p.jpg'><source src='/v.mp4'></video>"
        "<link rel='preload' href='/f.woff2' as='font'>"
    )
    assert page.resources == (
        Resource("script", "https://example.com/a.js"),
        Resource("stylesheet", "https://example.com/s.css"),
        Resource("image", "https://example.com/i.png"),
        Resource("image", "https://example.com/i-2x.png"),
        Resource("iframe", "https://v.example.net/e"),
        Resource("image", "https://example.com/p.jpg"),
        Resource("media", "https://example.com/v.mp4"),
        Resource("font", "https://example.com/f.woff2"),
    )


def test_inline_style_bytes_sum_every_style_element() -> None:
    assert extract_html("<style>p{}</style><style>a{}</style>").inline_style_bytes == 6


def test_images_know_their_srcset_loading_and_whether_they_are_linked() -> None:
    page = extract_html(
        "<a href='/x'><img src='/a.png' loading='LAZY'></a><img src='/b.png' srcset='/b2.png 2x'>"
    )
    first, second = page.images
    assert (first.linked, first.loading, first.srcset) == (True, "lazy", None)
    assert (second.linked, second.srcset) == (False, "/b2.png 2x")


# --- structured data ----------------------------------------------------------------------


def test_json_ld_graphs_and_arrays_become_items_with_nested_dotted_properties() -> None:
    page = extract_html(
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "https://schema.org/Organization", "name": "Acme"},'
        '{"@type": "Product", "name": "Tent", "offers": {"@type": "Offer", "price": 20}}'
        "]}</script>"
        '<script type="application/ld+json">[{"@type": ["Article", "NewsArticle"]}]</script>'
    )
    organization, product, article = page.structured_data
    assert organization.types == ("Organization",)
    assert organization.properties["name"] == ("Acme",)
    assert product.properties["offers"] == ("Offer",)
    assert product.properties["offers.price"] == ("20",)
    assert article.types == ("Article", "NewsArticle")
    assert {item.syntax for item in page.structured_data} == {"json-ld"}


def test_invalid_json_ld_is_an_error_that_names_the_parser_message() -> None:
    page = extract_html('<script type="application/ld+json">{"@type": "Thing",}</script>')
    assert page.structured_data == ()
    assert len(page.structured_data_errors) == 1
    assert page.structured_data_errors[0].startswith("json-ld: block 1 is not valid JSON (")


def test_microdata_items_collect_their_own_properties_and_nested_items() -> None:
    page = extract_html(
        '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Tent</h1>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<meta itemprop="price" content="20"></div></div>'
        '<span itemprop="orphan">x</span>'
    )
    (product,) = page.structured_data
    assert (product.syntax, product.types) == ("microdata", ("Product",))
    assert product.properties["name"] == ("Tent",)
    assert product.properties["offers"] == ("Offer",)
    assert product.properties["offers.price"] == ("20",)
    assert page.structured_data_errors == ("microdata: itemprop 'orphan' is outside any itemscope",)


def test_rdfa_lite_items_are_read_and_open_graph_metas_are_not_errors() -> None:
    page = extract_html(
        '<head><meta property="og:title" content="T"></head>'
        '<body><div vocab="https://schema.org/" typeof="Person">'
        '<span property="name">Ada</span></div><p property="stray">x</p></body>'
    )
    (person,) = page.structured_data
    assert (person.syntax, person.types, person.properties) == (
        "rdfa",
        ("Person",),
        {"name": ("Ada",)},
    )
    assert page.structured_data_errors == (
        "rdfa: property 'stray' has no vocab or typeof around it",
    )


def test_a_page_without_structured_data_markup_has_no_items_or_errors() -> None:
    page = extract_html('<meta property="og:title" content="T"><p>plain</p>')
    assert (page.structured_data, page.structured_data_errors) == ((), ())


# --- accessibility ------------------------------------------------------------------------


def test_form_controls_without_any_label_are_located_by_name() -> None:
    page = extract_html(
        "<label for='a'>A</label><input id='a'><label>B <input name='b'></label>"
        "<input aria-label='C'><input type='hidden' name='h'><input type='submit'>"
        "<input name='email'><select></select><textarea placeholder='Say'></textarea>"
    )
    assert [e.locator for e in page.unlabelled_controls] == [
        'input[name="email"]',
        "(//input | //select | //textarea)[7]",
    ]
    assert page.unlabelled_controls[0].snippet == '<input name="email">'


def test_buttons_and_links_without_an_accessible_name_are_empty() -> None:
    page = extract_html(
        "<button>Go</button><button><img src='x.png' alt=''></button>"
        "<button aria-label='Close'></button><a href='/a'><img src='a.png' alt='Home'></a>"
        "<a href='/b'><i class='icon'></i></a><a name='anchor'></a>"
    )
    assert [e.locator for e in page.empty_buttons] == ["(//button)[2]"]
    assert [e.locator for e in page.empty_links] == ['a[href="/b"]']


def test_duplicate_ids_positive_tabindex_and_untitled_iframes_are_found() -> None:
    page = extract_html(
        "<p id='x'></p><p id='x'></p><p id='y'></p><a href='/' tabindex='2'>A</a>"
        "<span tabindex='0'></span><iframe src='/f'></iframe><iframe title='Map'></iframe>"
    )
    assert page.duplicate_ids == ("x",)
    assert page.positive_tabindex == (Element('a[href="/"]', '<a href="/" tabindex="2">A</a>'),)
    assert [e.locator for e in page.iframes_without_title] == ['iframe[src="/f"]']


def test_landmarks_come_from_elements_and_roles_but_scoped_headers_are_not_banners() -> None:
    page = extract_html(
        "<nav></nav><div role='main'></div><article><header></header><footer></footer></article>"
        "<section aria-label='News'></section><section></section>"
    )
    assert page.landmarks == {"navigation", "main", "region"}
    page = extract_html("<header></header><aside></aside><footer></footer>")
    assert page.landmarks == {"banner", "complementary", "contentinfo"}


def test_only_data_sized_tables_without_header_cells_are_reported() -> None:
    rows = "<tr><td>a</td><td>b</td></tr>" * 3
    page = extract_html(
        f"<table>{rows}</table><table><tr><th>h</th><th>i</th></tr>{rows}</table>"
        f"<table role='presentation'>{rows}</table><table><tr><td>x</td><td>y</td></tr></table>"
    )
    assert [e.locator for e in page.tables_without_headers] == ["(//table)[1]"]


# --- content ------------------------------------------------------------------------------


def test_main_text_is_the_main_element_when_there_is_one() -> None:
    page = extract_html("<nav>Menu items</nav><main>Twelve bytes</main><footer>f</footer>")
    assert page.main_text_bytes == len("Twelve bytes")
    assert page.text_bytes == len("Menu items Twelve bytes f")


def test_main_text_without_main_or_article_is_the_body_without_its_chrome() -> None:
    page = extract_html(
        "<header>Top</header><div>Body text<script>x()</script></div><aside>A</aside>"
    )
    assert page.main_text_bytes == len("Body text")


def test_simhash_is_stable_and_close_for_nearly_identical_texts() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    first = extract_html(f"<main><p>{words} end</p></main>").simhash
    second = extract_html(f"<main><p>{words} finish</p></main>").simhash
    other = extract_html("<main><p>" + " ".join(f"x{i}" for i in range(400)) + "</p></main>")
    assert first is not None and second is not None and other.simhash is not None
    assert bin(first ^ second).count("1") <= 3
    assert bin(first ^ other.simhash).count("1") > 10
    assert first == extract_html(f"<main><p>{words} end</p></main>").simhash


def test_a_page_without_text_has_no_simhash() -> None:
    assert extract_html("<body><img src='a.png'></body>").simhash is None


def test_sentences_end_at_terminal_punctuation_and_at_each_block() -> None:
    page = extract_html(
        "<main><h1>A heading</h1><p>One sentence. Two sentences! Three?</p>"
        "<ul><li>an item</li><li><p>a paragraph.</p></li></ul><pre>code. here.</pre></main>"
    )
    assert page.sentences == 6  # heading, three in the paragraph, the item, the paragraph
    assert page.prose_words == 11


def test_a_run_of_terminals_ends_one_sentence_and_only_before_whitespace() -> None:
    page = extract_html("<p>Wait... what?!\u00a0Yes.\tversion 3.11 is out (really.) ok</p>")
    # "Wait...", "what?!" (before a no-break space) and "Yes." end sentences; "3.11" and
    # "really.)" do not; the block ends the last one.
    assert page.sentences == 4


def test_readability_samples_whole_blocks_until_the_word_budget_is_spent() -> None:
    per_block = 7  # words in each paragraph below
    blocks = MAX_PROSE_WORDS // per_block + 2 * PROSE_SLICE
    html = "".join(f"<p>Block {i} has seven words in it.</p>" for i in range(blocks))
    page = extract_html(f"<main>{html}</main>")
    # The sample ends with the block that reaches the budget, mid-slice.
    filled = -(-MAX_PROSE_WORDS // per_block)
    assert page.prose_words == filled * per_block
    assert page.sentences == filled
    assert page.word_count == blocks * per_block


def test_syllables_follow_the_vowel_group_heuristic() -> None:
    assert [syllable_count(w) for w in ("cat", "make", "table", "reading", "queue", "x")] == [
        1,
        1,
        2,
        2,
        1,
        1,
    ]


def test_placeholder_text_is_reported_with_its_context() -> None:
    page = extract_html("<p>Welcome. Lorem ipsum dolor sit amet, consectetur.</p>")
    assert page.placeholder_text == "Welcome. Lorem ipsum dolor sit amet, consectetur."
    assert extract_html("<p>Real words only.</p>").placeholder_text is None


def test_each_link_knows_the_page_region_it_sits_in() -> None:
    page = extract_html(
        "<header><a href='/h'>h</a><nav><a href='/n'>n</a></nav></header>"
        "<div role='Navigation'><a href='/rn'>rn</a></div>"
        "<main><a href='/c'>c</a><aside><a href='/a'>a</a></aside></main>"
        "<footer><nav><a href='/fn'>fn</a></nav><a href='/f'>f</a></footer>"
        "<div role=contentinfo><a href='/rf'>rf</a></div><p><a href='/p'>p</a></p>"
    )
    assert [(link.url.rsplit("/", 1)[1], link.position) for link in page.links] == [
        ("h", "header"),
        ("n", "navigation"),
        ("rn", "navigation"),  # the ARIA role, in any case
        ("c", "content"),
        ("a", "aside"),
        ("fn", "navigation"),  # a menu in the footer is navigation
        ("f", "footer"),
        ("rf", "footer"),
        ("p", "content"),
    ]


def test_a_role_attribute_is_found_however_it_is_written() -> None:
    for attribute in ("ROLE=navigation", "role = 'navigation'", 'Role="NAVIGATION"'):
        page = extract_html(f"<div {attribute}><a href='/m'>m</a></div><a href='/p'>p</a>")
        assert [link.position for link in page.links] == ["navigation", "content"], attribute


def test_a_followed_link_to_a_url_first_linked_nofollow_is_the_edge_kept() -> None:
    page = extract_html(
        "<nav><a rel=nofollow href='/x'>menu</a><a rel='nofollow' href='/y'>y</a></nav>"
        "<p><a href='x'>in the text</a><a href='/y'>why</a><a rel=nofollow href='/z'>z</a>"
        "<a href='/z'>zed</a><a rel=nofollow href='/w'>w1</a><a rel=nofollow href='/w'>w2</a>"
        "<a href='/x'>again</a></p>"
    )
    kept = [(link.url.rsplit("/", 1)[1], link.text, link.rel, link.position) for link in page.links]
    assert kept == [
        ("x", "in the text", (), "content"),  # another href string for the same URL
        ("y", "why", (), "content"),  # the same href string
        ("z", "zed", (), "content"),
        ("w", "w1", ("nofollow",), "content"),  # nofollow everywhere: the first
    ]


def test_a_nofollow_link_after_a_followed_one_changes_nothing() -> None:
    page = extract_html("<a href='/x'>first</a><nav><a rel=nofollow href='/x'>menu</a></nav>")
    assert [(link.text, link.rel) for link in page.links] == [("first", ())]


@pytest.mark.parametrize(
    ("srcset", "first"),
    [
        (",", None),  # an IndexError here ended the whole scan as an internal error
        (" , , ", None),
        (",a.png 1x", "https://example.com/a.png"),
        ("a.png 1x,,b.png 2x", "https://example.com/a.png"),
        # A URL token runs to whitespace: commas inside it are the URL's (HTML standard).
        (
            "https://cdn.example/w_100,h_50/p.jpg 1x, q.jpg 2x",
            "https://cdn.example/w_100,h_50/p.jpg",
        ),
        ("c.png, d.png 2x", "https://example.com/c.png"),  # a trailing comma ends it
    ],
)
def test_the_first_srcset_candidate_is_read_as_the_html_standard_reads_it(
    srcset: str, first: str | None
) -> None:
    page = extract(make_fetched(f'<img srcset="{srcset}">'), depth=0, is_internal=bool)
    images = [r.url for r in page.resources if r.kind == "image"]
    assert images == ([first] if first else [])
