"""Factories for the domain objects storage tests save: override only what a test is about."""

from __future__ import annotations

from typing import Any

from siteaudit.model import Category, Finding, Page, Severity
from siteaudit.pipeline.ports import PageResult

HOME = "https://shop.example/"


def make_page(url: str = HOME, **overrides: Any) -> Page:
    """An HTML page that answered 200."""
    values: dict[str, Any] = {
        "url": url,
        "final_url": url,
        "status": 200,
        "content_type": "text/html",
        "is_html": True,
        "title": "Shop",
        "headers": (("content-type", "text/html; charset=utf-8"),),
    }
    return Page(**(values | overrides))


def make_finding(url: str = HOME, **overrides: Any) -> Finding:
    """A failing `title` finding on `url`."""
    values: dict[str, Any] = {
        "check_id": "title",
        "category": Category.ON_PAGE,
        "severity": Severity.HIGH,
        "url": url,
        "message": "Page has no title",
    }
    return Finding(**(values | overrides))


def make_result(page: Page, *findings: Finding, **overrides: Any) -> PageResult:
    """A processed page with its findings."""
    return PageResult(page=page, findings=findings, **overrides)
