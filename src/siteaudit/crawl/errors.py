"""Stable error codes of a fetch, and the exceptions the crawl package raises internally.

`HttpFetcher.fetch` never raises for network or server trouble: it returns a `FetchedPage`
whose `error_code` is one of the `ErrorCode` values below (stable forever: reports, counters
such as `fetch/error/timeout` and stored scans depend on them) and whose `error_message`
says what happened in words.

| code                   | meaning                                                        |
|------------------------|----------------------------------------------------------------|
| `invalid-url`          | malformed URL, unsupported scheme or a non-IPv4 numeric host   |
| `ssrf-blocked`         | the host is, or resolves only to, a blocked address range      |
| `dns-failed`           | the host name did not resolve                                  |
| `connect-failed`       | TCP connection refused, unreachable or reset while connecting  |
| `tls-failed`           | TLS handshake or certificate verification failed               |
| `timeout`              | connect, read or total per-response deadline passed            |
| `protocol-error`       | not HTTP (a banner on the port), malformed headers, cut body;  |
|                        | the connection closed or reset before an answer (retried)      |
| `too-large`            | the decoded body passed the byte cap; `truncated` is True      |
| `decoding-failed`      | corrupt or unsupported Content-Encoding                        |
| `too-many-redirects`   | more redirect hops than `max_redirects`                        |
| `redirect-loop`        | a redirect pointed back to a URL already in the chain          |
| `redirect-invalid`     | a redirect without Location, or to a non-http(s)/bad URL       |
| `circuit-open`         | the host failed repeatedly; it is skipped for a while          |
| `internal-error`       | an unexpected exception in the fetcher (a bug; logged)         |
| `processing-timeout`   | fetched, but extraction and page checks passed the page time   |
|                        | limit: only the HTTP facts and header checks are kept          |
| `processing-crashed`   | fetched, but two worker processes died while auditing it: only |
|                        | the HTTP facts and header checks are kept                      |
| `html-too-deep`        | fetched, but its HTML nests elements tens of thousands deep    |
|                        | (hours to parse): not parsed, as `processing-timeout`          |
| `processing-failed`    | fetched, but reading its HTML raised (a fault of siteaudit,    |
|                        | logged): only the HTTP facts and header checks are kept        |

Exception hierarchy (internal; none of these escape `HttpFetcher.fetch`)::

    Exception
     └── CrawlError                  base of every crawl exception
          ├── BlockedAddressError    an address falls in a blocked range   -> ssrf-blocked
          ├── DecodingError          corrupt or unsupported encoding       -> decoding-failed
          └── BodyTooLargeError      decoded output passed the byte cap    -> too-large

`siteaudit.pipeline.urls.InvalidURLError` (a ValueError) maps to `invalid-url`.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ErrorCode(StrEnum):
    """The stable machine codes a `FetchedPage.error_code` takes (see the module table)."""

    INVALID_URL = "invalid-url"
    SSRF_BLOCKED = "ssrf-blocked"
    DNS_FAILED = "dns-failed"
    CONNECT_FAILED = "connect-failed"
    TLS_FAILED = "tls-failed"
    TIMEOUT = "timeout"
    PROTOCOL_ERROR = "protocol-error"
    TOO_LARGE = "too-large"
    DECODING_FAILED = "decoding-failed"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    REDIRECT_LOOP = "redirect-loop"
    REDIRECT_INVALID = "redirect-invalid"
    CIRCUIT_OPEN = "circuit-open"
    INTERNAL_ERROR = "internal-error"
    PROCESSING_TIMEOUT = "processing-timeout"
    PROCESSING_CRASHED = "processing-crashed"
    HTML_TOO_DEEP = "html-too-deep"  # = model.page.HTML_TOO_DEEP
    PROCESSING_FAILED = "processing-failed"  # = model.page.PROCESSING_FAILED


class CrawlError(Exception):
    """Base of every exception raised inside `siteaudit.crawl`."""


class BlockedAddressError(CrawlError):
    """An IP address falls in a range the address policy blocks."""

    def __init__(self, address: IPAddress, range_name: str, network: str, host: str = "") -> None:
        self.address = address
        self.range_name = range_name
        self.network = network
        self.host = host
        shown = f"{host} -> {address}" if host and host != str(address) else str(address)
        super().__init__(f"{shown} is in the blocked {range_name} range {network}")


class DecodingError(CrawlError):
    """A body could not be decoded: corrupt data or an unsupported Content-Encoding."""


class BodyTooLargeError(CrawlError):
    """The decoded body passed its byte cap; decoding stopped there."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"body larger than {limit} bytes after decompression")
