"""`BUILTIN`: every built-in check, in catalogue order (grouped by category)."""

from siteaudit.checks.base import Check
from siteaudit.checks.crawlability.canonical import canonical
from siteaudit.checks.crawlability.canonical_mismatch import canonical_mismatch
from siteaudit.checks.crawlability.noindex import noindex
from siteaudit.checks.http.fetch_error import fetch_error
from siteaudit.checks.http.redirect_chain import redirect_chain
from siteaudit.checks.http.status_4xx import status_4xx
from siteaudit.checks.http.status_5xx import status_5xx
from siteaudit.checks.images.image_alt import image_alt
from siteaudit.checks.links.broken_link import broken_link
from siteaudit.checks.on_page.h1 import h1
from siteaudit.checks.on_page.h1_multiple import h1_multiple
from siteaudit.checks.on_page.html_lang import html_lang
from siteaudit.checks.on_page.meta_description import meta_description
from siteaudit.checks.on_page.meta_description_duplicate import meta_description_duplicate
from siteaudit.checks.on_page.meta_description_length import meta_description_length
from siteaudit.checks.on_page.title import title
from siteaudit.checks.on_page.title_duplicate import title_duplicate
from siteaudit.checks.on_page.title_empty import title_empty
from siteaudit.checks.on_page.title_length_long import title_length_long
from siteaudit.checks.on_page.title_length_short import title_length_short
from siteaudit.checks.on_page.viewport import viewport
from siteaudit.checks.security.csp import csp
from siteaudit.checks.security.frame_protection import frame_protection
from siteaudit.checks.security.hsts import hsts
from siteaudit.checks.security.x_content_type_options import x_content_type_options

BUILTIN: tuple[Check, ...] = (
    # crawlability & indexability
    noindex,
    canonical,
    canonical_mismatch,
    # HTTP & redirects
    fetch_error,
    status_5xx,
    status_4xx,
    redirect_chain,
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
    # links
    broken_link,
    # images
    image_alt,
    # security
    csp,
    frame_protection,
    hsts,
    x_content_type_options,
)
