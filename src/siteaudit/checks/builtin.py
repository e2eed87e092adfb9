"""`BUILTIN`: every built-in check, in catalogue order (grouped by category)."""

from siteaudit.checks.accessibility.button_name import button_name
from siteaudit.checks.accessibility.duplicate_id import duplicate_id
from siteaudit.checks.accessibility.form_label import form_label
from siteaudit.checks.accessibility.heading_order import heading_order
from siteaudit.checks.accessibility.iframe_title import iframe_title
from siteaudit.checks.accessibility.landmark_main import landmark_main
from siteaudit.checks.accessibility.link_name import link_name
from siteaudit.checks.accessibility.meta_viewport_zoom import meta_viewport_zoom
from siteaudit.checks.accessibility.tabindex_positive import tabindex_positive
from siteaudit.checks.accessibility.table_headers import table_headers
from siteaudit.checks.ai_readiness.llms_txt import llms_txt
from siteaudit.checks.ai_readiness.llms_txt_format import llms_txt_format
from siteaudit.checks.ai_readiness.meta_noai import meta_noai
from siteaudit.checks.ai_readiness.robots_ai_search import robots_ai_search
from siteaudit.checks.ai_readiness.robots_ai_training import robots_ai_training
from siteaudit.checks.ai_readiness.text_extractable import text_extractable
from siteaudit.checks.base import Check
from siteaudit.checks.content.content_duplicate import content_duplicate
from siteaudit.checks.content.content_near_duplicate import content_near_duplicate
from siteaudit.checks.content.heading_empty import heading_empty
from siteaudit.checks.content.lorem_ipsum import lorem_ipsum
from siteaudit.checks.content.main_content import main_content
from siteaudit.checks.content.readability import readability
from siteaudit.checks.content.text_html_ratio import text_html_ratio
from siteaudit.checks.content.thin_content import thin_content
from siteaudit.checks.crawlability.canonical import canonical
from siteaudit.checks.crawlability.canonical_chain import canonical_chain
from siteaudit.checks.crawlability.canonical_mismatch import canonical_mismatch
from siteaudit.checks.crawlability.canonical_multiple import canonical_multiple
from siteaudit.checks.crawlability.canonical_target_broken import canonical_target_broken
from siteaudit.checks.crawlability.canonical_target_noindex import canonical_target_noindex
from siteaudit.checks.crawlability.canonical_target_redirect import canonical_target_redirect
from siteaudit.checks.crawlability.meta_refresh import meta_refresh
from siteaudit.checks.crawlability.noindex import noindex
from siteaudit.checks.crawlability.page_nofollow import page_nofollow
from siteaudit.checks.crawlability.pagination_link import pagination_link
from siteaudit.checks.crawlability.robots_blocked_linked import robots_blocked_linked
from siteaudit.checks.crawlability.robots_conflict import robots_conflict
from siteaudit.checks.http.content_encoding_unknown import content_encoding_unknown
from siteaudit.checks.http.content_type_missing import content_type_missing
from siteaudit.checks.http.fetch_error import fetch_error
from siteaudit.checks.http.internal_link_http import internal_link_http
from siteaudit.checks.http.internal_link_redirect import internal_link_redirect
from siteaudit.checks.http.mixed_content import mixed_content
from siteaudit.checks.http.mixed_content_passive import mixed_content_passive
from siteaudit.checks.http.redirect_chain import redirect_chain
from siteaudit.checks.http.redirect_loop import redirect_loop
from siteaudit.checks.http.redirect_temporary import redirect_temporary
from siteaudit.checks.http.resource_broken import resource_broken
from siteaudit.checks.http.response_time_slow import response_time_slow
from siteaudit.checks.http.status_4xx import status_4xx
from siteaudit.checks.http.status_5xx import status_5xx
from siteaudit.checks.http.ttfb_slow import ttfb_slow
from siteaudit.checks.http.url_double_slash import url_double_slash
from siteaudit.checks.http.url_length import url_length
from siteaudit.checks.http.url_parameters import url_parameters
from siteaudit.checks.http.url_underscores import url_underscores
from siteaudit.checks.http.url_uppercase import url_uppercase
from siteaudit.checks.images.image_alt import image_alt
from siteaudit.checks.images.image_alt_filename import image_alt_filename
from siteaudit.checks.images.image_alt_generic import image_alt_generic
from siteaudit.checks.images.image_alt_length import image_alt_length
from siteaudit.checks.images.image_broken import image_broken
from siteaudit.checks.images.image_count_large import image_count_large
from siteaudit.checks.images.image_dimensions import image_dimensions
from siteaudit.checks.images.image_format import image_format
from siteaudit.checks.images.image_size_large import image_size_large
from siteaudit.checks.images.image_src import image_src
from siteaudit.checks.images.image_srcset import image_srcset
from siteaudit.checks.international.content_language import content_language
from siteaudit.checks.international.hreflang_canonical_conflict import hreflang_canonical_conflict
from siteaudit.checks.international.hreflang_code import hreflang_code
from siteaudit.checks.international.hreflang_duplicate import hreflang_duplicate
from siteaudit.checks.international.hreflang_return import hreflang_return
from siteaudit.checks.international.hreflang_self import hreflang_self
from siteaudit.checks.international.hreflang_target import hreflang_target
from siteaudit.checks.international.hreflang_x_default import hreflang_x_default
from siteaudit.checks.international.html_lang_code import html_lang_code
from siteaudit.checks.international.html_lang_hreflang import html_lang_hreflang
from siteaudit.checks.links.broken_link import broken_link
from siteaudit.checks.links.click_depth import click_depth
from siteaudit.checks.links.external_link_broken import external_link_broken
from siteaudit.checks.links.external_link_unverified import external_link_unverified
from siteaudit.checks.links.inlinks_nofollow_only import inlinks_nofollow_only
from siteaudit.checks.links.inlinks_single import inlinks_single
from siteaudit.checks.links.internal_outlinks import internal_outlinks
from siteaudit.checks.links.link_localhost import link_localhost
from siteaudit.checks.links.link_nofollow_internal import link_nofollow_internal
from siteaudit.checks.links.link_text_generic import link_text_generic
from siteaudit.checks.links.links_too_many import links_too_many
from siteaudit.checks.links.orphan_page import orphan_page
from siteaudit.checks.links.pagerank_low import pagerank_low
from siteaudit.checks.on_page.charset import charset
from siteaudit.checks.on_page.charset_not_utf8 import charset_not_utf8
from siteaudit.checks.on_page.doctype import doctype
from siteaudit.checks.on_page.favicon import favicon
from siteaudit.checks.on_page.h1 import h1
from siteaudit.checks.on_page.h1_length_long import h1_length_long
from siteaudit.checks.on_page.h1_multiple import h1_multiple
from siteaudit.checks.on_page.h1_title_identical import h1_title_identical
from siteaudit.checks.on_page.html_lang import html_lang
from siteaudit.checks.on_page.meta_description import meta_description
from siteaudit.checks.on_page.meta_description_duplicate import meta_description_duplicate
from siteaudit.checks.on_page.meta_description_empty import meta_description_empty
from siteaudit.checks.on_page.meta_description_length import meta_description_length
from siteaudit.checks.on_page.meta_description_length_short import meta_description_length_short
from siteaudit.checks.on_page.meta_description_pixel_width import meta_description_pixel_width
from siteaudit.checks.on_page.meta_keywords import meta_keywords
from siteaudit.checks.on_page.title import title
from siteaudit.checks.on_page.title_duplicate import title_duplicate
from siteaudit.checks.on_page.title_empty import title_empty
from siteaudit.checks.on_page.title_length_long import title_length_long
from siteaudit.checks.on_page.title_length_short import title_length_short
from siteaudit.checks.on_page.title_multiple import title_multiple
from siteaudit.checks.on_page.title_pixel_width import title_pixel_width
from siteaudit.checks.on_page.viewport import viewport
from siteaudit.checks.performance.cache_validator import cache_validator
from siteaudit.checks.performance.compression import compression
from siteaudit.checks.performance.dom_depth import dom_depth
from siteaudit.checks.performance.dom_size import dom_size
from siteaudit.checks.performance.html_size import html_size
from siteaudit.checks.performance.inline_css_large import inline_css_large
from siteaudit.checks.performance.inline_script_large import inline_script_large
from siteaudit.checks.performance.page_truncated import page_truncated
from siteaudit.checks.performance.preconnect_count import preconnect_count
from siteaudit.checks.performance.render_blocking_scripts import render_blocking_scripts
from siteaudit.checks.performance.render_blocking_stylesheets import render_blocking_stylesheets
from siteaudit.checks.performance.resource_count import resource_count
from siteaudit.checks.performance.third_party_hosts import third_party_hosts
from siteaudit.checks.security.cookie_httponly import cookie_httponly
from siteaudit.checks.security.cookie_samesite import cookie_samesite
from siteaudit.checks.security.cookie_secure import cookie_secure
from siteaudit.checks.security.cors import cors
from siteaudit.checks.security.cross_origin_opener_policy import cross_origin_opener_policy
from siteaudit.checks.security.csp import csp
from siteaudit.checks.security.csp_object_src import csp_object_src
from siteaudit.checks.security.csp_unsafe_eval import csp_unsafe_eval
from siteaudit.checks.security.csp_unsafe_inline import csp_unsafe_inline
from siteaudit.checks.security.csp_unsafe_source import csp_unsafe_source
from siteaudit.checks.security.frame_protection import frame_protection
from siteaudit.checks.security.hsts import hsts
from siteaudit.checks.security.hsts_subdomains import hsts_subdomains
from siteaudit.checks.security.https import https
from siteaudit.checks.security.https_redirect import https_redirect
from siteaudit.checks.security.permissions_policy import permissions_policy
from siteaudit.checks.security.referrer_policy import referrer_policy
from siteaudit.checks.security.server_version import server_version
from siteaudit.checks.security.subresource_integrity import subresource_integrity
from siteaudit.checks.security.x_content_type_options import x_content_type_options
from siteaudit.checks.security.x_xss_protection import x_xss_protection
from siteaudit.checks.sitemaps.robots_txt_disallow_all import robots_txt_disallow_all
from siteaudit.checks.sitemaps.robots_txt_missing import robots_txt_missing
from siteaudit.checks.sitemaps.robots_txt_sitemap import robots_txt_sitemap
from siteaudit.checks.sitemaps.robots_txt_syntax import robots_txt_syntax
from siteaudit.checks.sitemaps.robots_txt_unreachable import robots_txt_unreachable
from siteaudit.checks.sitemaps.sitemap_error import sitemap_error
from siteaudit.checks.sitemaps.sitemap_missing import sitemap_missing
from siteaudit.checks.sitemaps.sitemap_size import sitemap_size
from siteaudit.checks.sitemaps.sitemap_url_blocked import sitemap_url_blocked
from siteaudit.checks.sitemaps.sitemap_url_broken import sitemap_url_broken
from siteaudit.checks.sitemaps.sitemap_url_noindex import sitemap_url_noindex
from siteaudit.checks.sitemaps.sitemap_url_non_canonical import sitemap_url_non_canonical
from siteaudit.checks.sitemaps.sitemap_url_redirect import sitemap_url_redirect
from siteaudit.checks.structured_data.article_properties import article_properties
from siteaudit.checks.structured_data.breadcrumb_properties import breadcrumb_properties
from siteaudit.checks.structured_data.faq_properties import faq_properties
from siteaudit.checks.structured_data.json_ld_invalid import json_ld_invalid
from siteaudit.checks.structured_data.local_business_properties import local_business_properties
from siteaudit.checks.structured_data.microdata_errors import microdata_errors
from siteaudit.checks.structured_data.open_graph import open_graph
from siteaudit.checks.structured_data.open_graph_image_url import open_graph_image_url
from siteaudit.checks.structured_data.organization_properties import organization_properties
from siteaudit.checks.structured_data.product_properties import product_properties
from siteaudit.checks.structured_data.rdfa_errors import rdfa_errors
from siteaudit.checks.structured_data.schema_type_unknown import schema_type_unknown
from siteaudit.checks.structured_data.structured_data_missing import structured_data_missing
from siteaudit.checks.structured_data.twitter_card import twitter_card

BUILTIN: tuple[Check, ...] = (
    # crawlability & indexability
    noindex,
    canonical,
    canonical_mismatch,
    page_nofollow,
    robots_conflict,
    meta_refresh,
    canonical_multiple,
    canonical_target_broken,
    canonical_target_redirect,
    canonical_target_noindex,
    canonical_chain,
    pagination_link,
    robots_blocked_linked,
    # HTTP & redirects
    fetch_error,
    status_5xx,
    resource_broken,
    status_4xx,
    redirect_chain,
    redirect_loop,
    redirect_temporary,
    internal_link_redirect,
    internal_link_http,
    mixed_content,
    mixed_content_passive,
    ttfb_slow,
    response_time_slow,
    content_encoding_unknown,
    content_type_missing,
    url_length,
    url_uppercase,
    url_underscores,
    url_parameters,
    url_double_slash,
    # on-page SEO
    title,
    title_empty,
    title_length_long,
    title_length_short,
    title_duplicate,
    meta_description,
    meta_description_length,
    meta_description_duplicate,
    h1,
    h1_multiple,
    html_lang,
    viewport,
    title_multiple,
    title_pixel_width,
    meta_description_empty,
    meta_description_length_short,
    meta_description_pixel_width,
    meta_keywords,
    h1_title_identical,
    h1_length_long,
    charset,
    charset_not_utf8,
    doctype,
    favicon,
    # links
    broken_link,
    external_link_broken,
    external_link_unverified,
    link_nofollow_internal,
    link_text_generic,
    links_too_many,
    link_localhost,
    internal_outlinks,
    orphan_page,
    inlinks_single,
    inlinks_nofollow_only,
    click_depth,
    pagerank_low,
    # content
    thin_content,
    text_html_ratio,
    readability,
    lorem_ipsum,
    main_content,
    heading_empty,
    content_duplicate,
    content_near_duplicate,
    # images
    image_alt,
    image_alt_length,
    image_alt_filename,
    image_alt_generic,
    image_src,
    image_broken,
    image_size_large,
    image_dimensions,
    image_format,
    image_srcset,
    image_count_large,
    # structured data & social
    json_ld_invalid,
    microdata_errors,
    rdfa_errors,
    structured_data_missing,
    organization_properties,
    local_business_properties,
    product_properties,
    article_properties,
    breadcrumb_properties,
    faq_properties,
    schema_type_unknown,
    open_graph,
    open_graph_image_url,
    twitter_card,
    # international
    hreflang_code,
    hreflang_self,
    hreflang_x_default,
    hreflang_duplicate,
    hreflang_canonical_conflict,
    hreflang_return,
    hreflang_target,
    html_lang_code,
    html_lang_hreflang,
    content_language,
    # sitemaps & robots.txt
    sitemap_missing,
    sitemap_error,
    sitemap_size,
    sitemap_url_broken,
    sitemap_url_redirect,
    sitemap_url_noindex,
    sitemap_url_non_canonical,
    sitemap_url_blocked,
    robots_txt_missing,
    robots_txt_unreachable,
    robots_txt_disallow_all,
    robots_txt_syntax,
    robots_txt_sitemap,
    # performance
    html_size,
    compression,
    resource_count,
    render_blocking_scripts,
    render_blocking_stylesheets,
    inline_script_large,
    inline_css_large,
    third_party_hosts,
    preconnect_count,
    dom_size,
    page_truncated,
    dom_depth,
    cache_validator,
    # security
    csp,
    frame_protection,
    hsts,
    x_content_type_options,
    csp_unsafe_inline,
    csp_unsafe_eval,
    csp_unsafe_source,
    csp_object_src,
    referrer_policy,
    cookie_secure,
    cookie_httponly,
    cookie_samesite,
    subresource_integrity,
    cors,
    https,
    https_redirect,
    hsts_subdomains,
    server_version,
    x_xss_protection,
    permissions_policy,
    cross_origin_opener_policy,
    # accessibility
    form_label,
    button_name,
    link_name,
    iframe_title,
    meta_viewport_zoom,
    heading_order,
    landmark_main,
    tabindex_positive,
    duplicate_id,
    table_headers,
    # AI-readiness
    llms_txt,
    llms_txt_format,
    robots_ai_training,
    robots_ai_search,
    meta_noai,
    text_extractable,
)
