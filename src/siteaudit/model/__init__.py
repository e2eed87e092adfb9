"""Pure domain dataclasses shared by every layer: no I/O, no frameworks."""

from siteaudit.model.finding import FINDING_FIELDS, Finding, make_fingerprint
from siteaudit.model.page import FetchedPage, Heading, Hreflang, Image, Link, Page, RedirectHop
from siteaudit.model.score import CategoryScore, Scores
from siteaudit.model.spec import Category, ScanSpec, ScanStatus, Severity

__all__ = [
    "FINDING_FIELDS",
    "Category",
    "CategoryScore",
    "FetchedPage",
    "Finding",
    "Heading",
    "Hreflang",
    "Image",
    "Link",
    "Page",
    "RedirectHop",
    "ScanSpec",
    "ScanStatus",
    "Scores",
    "Severity",
    "make_fingerprint",
]
