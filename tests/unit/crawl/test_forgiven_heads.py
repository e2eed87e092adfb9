"""What `forgive` puts right in an answer's head, and what it leaves to the strict error."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.http_exceptions import BadHttpMessage

from siteaudit.crawl.lenient import forgivable, forgive, status_line

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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK"),
        (b"http/1.1 404 Not Found", b"HTTP/1.1 404 Not Found"),
        (b"Http/1.0 200 OK", b"HTTP/1.0 200 OK"),
        (b"HTTP/1.1  200   OK ", b"HTTP/1.1 200 OK"),
        (b"HTTP/1.1\t301\tMoved", b"HTTP/1.1 301 Moved"),
        (b"HTTP/1.1 200", b"HTTP/1.1 200"),
        (b"HTTP/2 200", b"HTTP/1.0 200"),
        (b"HTTP/1 200 OK", b"HTTP/1.0 200 OK"),
        (b"HTTP/1.2 200 OK", b"HTTP/1.1 200 OK"),
        (b"HTTP/2.0 200 OK", b"HTTP/1.1 200 OK"),
    ],
)
def test_a_status_line_browsers_read_is_written_as_http_1_1_writes_it(
    line: bytes, expected: bytes
) -> None:
    assert status_line(line) == expected
    assert forgive([line, b"Content-Length: 0", b""])[0] == expected


@pytest.mark.parametrize(
    "line", [b"SSH-2.0-OpenSSH_9.2", b"HTTP/1.1 2000 OK", b"ICY 200 OK", b"HTTP/x 200", b""]
)
def test_a_status_line_browsers_do_not_read_is_left_to_the_parser(line: bytes) -> None:
    assert status_line(line) == line


def rejection(message: str) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(None, (), message=message)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Bad status line:\n  Expected HTTP/, RTSP/ or ICE/:\n\n  b'http/1.1 200 OK'\n ^", True),
        ("Bad status line:\n  Invalid status code:\n\n  b'HTTP/1.1  200  OK'\n ^", True),
        ("Bad status line:\n  Expected dot:\n\n  b'HTTP/2 200'\n ^", True),
        ("Bad status line:\n  Expected HTTP/:\n\n  b'SSH-2.0-OpenSSH_9.2'\n ^", False),
        ("Bad status line:\n  Invalid status code:\n\n  b'HTTP/1.1 2000 OK'\n ^", False),
        ("Got more than 8190 bytes (9000) when reading Status line is too long.", False),
        ("Content-Length can't be present with Transfer-Encoding", True),
    ],
)
def test_only_what_forgiving_can_put_right_is_tried_again(message: str, expected: bool) -> None:
    assert forgivable(rejection(message)) is expected
