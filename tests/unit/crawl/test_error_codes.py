"""The error codes a page fetched fine but not audited carries are stable crawl codes."""

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from siteaudit.crawl.errors import ErrorCode
from siteaudit.crawl.fetcher import classify_exception
from siteaudit.model.page import HTML_TOO_DEEP, PROCESSING_FAILED, UNAUDITED


def test_the_unaudited_codes_are_the_processing_error_codes_and_html_too_deep() -> None:
    processing = {code.value for code in ErrorCode if code.value.startswith("processing-")}
    assert processing == {"processing-timeout", "processing-crashed", PROCESSING_FAILED}
    assert UNAUDITED == processing | {ErrorCode.HTML_TOO_DEEP.value} == {*processing, HTML_TOO_DEEP}


def _key(host: str, port: int) -> ConnectionKey:
    return ConnectionKey(host, port, False, True, None, None, None, host)


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (
            aiohttp.ClientConnectorDNSError(
                _key("nosuch.example", 80), OSError(None, "Domain name not found")
            ),
            ErrorCode.DNS_FAILED,
            "DNS lookup of nosuch.example failed: Domain name not found",
        ),
        (
            aiohttp.ClientConnectorError(
                _key("::1", 8080), ConnectionRefusedError(111, "Connect call failed ('::1', 8080)")
            ),
            ErrorCode.CONNECT_FAILED,
            "could not connect to [::1]:8080: Connection refused",
        ),
        (
            aiohttp.ClientOSError(104, "Connection reset by peer"),
            ErrorCode.PROTOCOL_ERROR,
            "the connection was cut before an answer: Connection reset by peer",
        ),
        (
            aiohttp.ClientConnectionResetError("Cannot write to closing transport"),
            ErrorCode.PROTOCOL_ERROR,
            "the connection was cut before an answer: Cannot write to closing transport",
        ),
        (
            aiohttp.ServerDisconnectedError(),
            ErrorCode.PROTOCOL_ERROR,
            "the server closed the connection without answering",
        ),
    ],
)
def test_network_errors_are_said_in_words(exc: Exception, code: ErrorCode, message: str) -> None:
    assert classify_exception(exc) == (code, message)
