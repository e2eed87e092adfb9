"""What broken-link and external-link-broken say about a link: its text and its place."""

from __future__ import annotations

import pytest

from siteaudit.checks.links._broken import broken_target


@pytest.mark.parametrize(
    ("text", "position", "evidence"),
    [
        (
            "Legal",
            "footer",
            "https://e.com/gone answered HTTP 404 (link text 'Legal', in the footer)",
        ),
        (
            "Blog",
            "navigation",
            "https://e.com/gone answered HTTP 404 (link text 'Blog', in the navigation)",
        ),
        ("", "aside", "https://e.com/gone answered HTTP 404 (in a sidebar)"),
        ("Read more", "content", "https://e.com/gone answered HTTP 404 (link text 'Read more')"),
        ("", "content", "https://e.com/gone answered HTTP 404"),
    ],
)
def test_the_evidence_names_the_link_text_and_where_on_the_page_it_sits(
    text: str, position: str, evidence: str
) -> None:
    failure = broken_target(
        "https://e.com/", "https://e.com/gone", text, 404, None, position, no_answer="-"
    )
    assert failure.evidence == evidence
    assert failure.locator == "https://e.com/gone"  # the fingerprint does not move with it
