"""What `forgive` puts right in an answer's head, and what it leaves to the strict error."""

from __future__ import annotations

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from siteaudit.crawl.lenient import forgive

STATUS = b"HTTP/1.1 200 OK"


def head(*fields: bytes) -> list[bytes]:
    return [STATUS, *fields, b""]


def test_a_head_that_breaks_no_rule_is_kept_as_it_is() -> None:
    lines = head(b"Content-Type: text/html", b"Set-Cookie: a=1", b"Content-Length: 5")
    assert forgive(lines) == lines


@pytest.mark.parametrize(
    "fields",
    [
        (b"Content-Length: 5", b"Content-Length: 5"),
        (b"Content-Length: 5, 5",),
        (b"Content-Length: 5", b"content-length:5 ,5"),
    ],
)
def test_repeated_content_lengths_that_agree_become_one(fields: tuple[bytes, ...]) -> None:
    assert forgive(head(b"Content-Type: text/html", *fields)) == head(
        b"Content-Type: text/html", b"Content-Length: 5"
    )


def test_content_lengths_that_disagree_are_an_error() -> None:
    with pytest.raises(BadHttpMessage, match="disagree: 5, 6"):
        forgive(head(b"Content-Length: 6", b"Content-Length: 5"))
    with pytest.raises(BadHttpMessage, match="disagree"):
        forgive(head(b"Content-Length: 5, 6"))
    # One value that is no number is the parser's to refuse.
    assert forgive(head(b"Content-Length: -5")) == head(b"Content-Length: -5")


def test_transfer_encoding_governs_the_framing_over_content_length() -> None:
    lines = head(b"Content-Length: 99", b"Transfer-Encoding: chunked", b"X-A: 1")
    assert forgive(lines) == head(b"Transfer-Encoding: chunked", b"X-A: 1")


def test_whitespace_before_a_colon_is_removed() -> None:
    lines = head(b"Content-Type : text/html", b"X-A\t: 1")
    assert forgive(lines) == head(b"Content-Type: text/html", b"X-A: 1")


def test_lines_that_are_no_header_are_dropped_with_their_folded_lines() -> None:
    lines = head(
        b"X Bad Header: 1",
        b"  folded onto the bad one",
        b"no colon at all",
        b"X-Good: a",
        b"  b",
        b"\tc",
    )
    assert forgive(lines) == head(b"X-Good: a", b"  b", b"\tc")


def test_a_folded_line_with_nothing_before_it_is_dropped() -> None:
    assert forgive(head(b" orphan", b"X-A: 1")) == head(b"X-A: 1")


def test_values_are_left_to_the_parser() -> None:
    # A NUL or other control character in a value is not forgiven here: the parser judges.
    lines = head(b"X-A: a\x00b", b"X-B: caf\xc3\xa9")
    assert forgive(lines) == lines
