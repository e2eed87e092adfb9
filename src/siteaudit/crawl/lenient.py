"""Reading answers whose header block breaks HTTP/1.1's rules in ways browsers forgive.

aiohttp's parser (llhttp) rejects an answer with a repeated Content-Length, with both
Content-Length and Transfer-Encoding, or with a header line whose name is not a token
(`X Bad Header: 1`, `Content-Type : text/html`): strictness that guards a proxy against
request smuggling. Browsers read such answers; old application servers, CGI scripts and
embedded servers send them (libmicrohttpd adds a second Content-Length to one the
application set). Audited strictly, every page of such a site was a `protocol-error`.

`HttpFetcher` sends a request once more through a session whose connections use
`ForgivingResponseHandler` when the strict parser rejected the header block on a new
connection; what browsers forgive is put right before aiohttp's pure-Python parser reads
it (`forgive`), and the connection is never reused (an answer whose framing was in doubt
must not frame the next). A status line is forgiven what Chromium and Firefox forgive
(`http/1.1 200 OK`: they compare "HTTP" case-insensitively; `HTTP/1.1  200  OK`: they
skip the spaces; `HTTP/2 200 OK` on an HTTP/1.1 connection: Chromium reads an unparsed
version as 1.0). Nothing else is forgiven: a status line that is not HTTP's (a banner), a
NUL or a line break inside a value, Content-Length values that disagree, and the size
limits on header lines stay errors.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import re
from typing import Any

import aiohttp
from aiohttp.client_exceptions import ClientPayloadError
from aiohttp.client_proto import ResponseHandler
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.http_parser import HttpResponseParserPy, RawResponseMessage

# RFC 9110 section 5.6.2
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What aiohttp says of header blocks that forgiving cannot help: a size limit (LineTooLong,
# "Too many headers received").
_BEYOND_FORGIVING = ("Got more than", "Too many headers")
_BAD_STATUS_LINE = "Bad status line"
# A status line as browsers read it: "HTTP" in any case, a version (its minor digit may be
# missing), one or more spaces, a three-digit code, then anything.
_LAX_STATUS = re.compile(rb"[Hh][Tt][Tt][Pp]/(\d+)(?:\.(\d+))?[ \t]+(\d{3})(?:[ \t]+(.*))?")
# The line llhttp quotes in its error, as the repr of its bytes (b'http/1.1 200 OK').
_QUOTED = re.compile(r"b'(?:[^'\\]|\\.)*'")


def forgivable(exc: aiohttp.ClientResponseError) -> bool:
    """Whether aiohttp's rejection of an answer's header block may be one `forgive` puts
    right (a size limit is not, nor a status line browsers would not read either: a banner)."""
    if _BAD_STATUS_LINE in exc.message:
        quoted = _QUOTED.search(exc.message)
        try:
            line = ast.literal_eval(quoted.group()) if quoted else b""
        except (ValueError, SyntaxError):  # (aiohttp writes it with repr(); never seen)
            return False
        return isinstance(line, bytes) and _lax_status(line) is not None
    return not any(words in exc.message for words in _BEYOND_FORGIVING)


def status_line(line: bytes) -> bytes:
    """`line` as HTTP/1.1 writes a status line, when browsers read it as one; else as it is
    (the parser then says what is wrong with it). Versions 1.1 and up read as 1.1, others
    (`HTTP/1`, `HTTP/2` without a minor digit, 1.0) as 1.0, as Chromium clamps them."""
    match = _lax_status(line)
    if match is None:
        return line
    major, minor, code, reason = match.groups()
    modern = minor is not None and (int(major), int(minor)) >= (1, 1)
    version = b"HTTP/1.1" if modern else b"HTTP/1.0"
    return b" ".join(part for part in (version, code, reason) if part)


def _lax_status(line: bytes) -> re.Match[bytes] | None:
    """`line` read as browsers read a status line; None when they would not."""
    return _LAX_STATUS.fullmatch(line.rstrip(b" \t"))


def forgive(lines: list[bytes]) -> list[bytes]:
    """The lines of an answer's head (the status line first, the empty line that ends the
    head last) with what browsers forgive put right:

    - a header line whose name is not a token, or that has no colon, is dropped (with the
      folded lines that continue it), as browsers ignore it;
    - whitespace between a name and its colon is removed (RFC 9112 section 5.1 asks a
      proxy to do so);
    - Content-Length is dropped beside Transfer-Encoding, which governs the framing (RFC
      9112 section 6.3);
    - repeated Content-Length values that all agree become one (RFC 9110 section 8.6);
      values that disagree raise `BadHttpMessage`;
    - a status line is written as HTTP/1.1 writes it when browsers read it (`status_line`).
    """
    status, *fields = lines
    kept: list[bytes] = [status_line(status)]
    lengths: list[bytes] = []
    keeping = False  # whether the last header line was kept (for the folded ones after it)
    for line in fields:
        if not line:
            break
        if line[:1] in (b" ", b"\t"):  # obsolete line folding: continues the line before
            if keeping:
                kept.append(line)
            continue
        name, colon, value = line.partition(b":")
        name = name.rstrip(b" \t")
        keeping = bool(colon) and _TOKEN.fullmatch(name) is not None
        if not keeping:
            continue
        if name.lower() == b"content-length":
            lengths.append(value)
            keeping = False  # a folded Content-Length is not one to guess at
            continue
        kept.append(name + b":" + value)
    chunked = any(line.lower().startswith(b"transfer-encoding:") for line in kept)
    if lengths and not chunked:
        values = {value.strip(b" \t") for field in lengths for value in field.split(b",")}
        if len(values) > 1:  # which one frames the body? (the lax parser takes the first)
            shown = b", ".join(sorted(values)).decode("ascii", "replace")
            raise BadHttpMessage(f"Content-Length values that disagree: {shown}")
        kept.append(b"Content-Length: " + values.pop())  # the parser judges the value
    kept.append(b"")
    return kept


class ForgivingResponseParser(HttpResponseParserPy):
    """aiohttp's pure-Python response parser, lax even in aiohttp's debug mode, reading
    the head `forgive` put right (on connections that are never reused: the fetcher's
    forgiving session closes each after its answer)."""

    lax = True

    def parse_message(self, lines: list[bytes]) -> RawResponseMessage:
        return super().parse_message(forgive(lines))


class ForgivingResponseHandler(ResponseHandler):
    """A connection's protocol whose answers `ForgivingResponseParser` reads."""

    def set_response_params(self, **params: Any) -> None:
        # Bytes that came before the request was sent (a banner) go to this parser, not to
        # the one aiohttp builds and this replaces.
        early, self._tail = self._tail, b""
        super().set_response_params(**params)
        self._parser = ForgivingResponseParser(
            self,
            self._loop,
            self._read_bufsize,
            timer=params.get("timer"),
            payload_exception=ClientPayloadError,
            response_with_body=not params.get("skip_payload", False),
            read_until_eof=params.get("read_until_eof", False),
            auto_decompress=params.get("auto_decompress", True),
            max_line_size=params.get("max_line_size", 8190),
            max_field_size=params.get("max_field_size", 8190),
            max_headers=params.get("max_headers", 128),
        )
        self._tail = early
        self._drain_tail()


def make_forgiving(connector: aiohttp.TCPConnector) -> bool:
    """Make `connector`'s connections read answers with `ForgivingResponseParser`; False
    when this aiohttp does not build its connections as the one this was written for."""
    factory = getattr(connector, "_factory", None)
    if not isinstance(factory, functools.partial) or factory.func is not ResponseHandler:
        return False
    loop = factory.keywords.get("loop") or asyncio.get_running_loop()
    connector._factory = functools.partial(ForgivingResponseHandler, loop=loop)  # type: ignore[assignment]
    return True
