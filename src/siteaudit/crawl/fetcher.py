"""The HTTP fetcher: aiohttp with an SSRF guard, per-response deadlines and bounded bodies.

One `ClientSession` serves every fetch (connection reuse is most of the speed). Redirects
are followed here, hop by hop, so that every hop is recorded and every target re-vetted.
Only HTML bodies are read by default; everything else is recorded from its headers.
Network and server trouble never raises: it comes back as a `FetchedPage` with a stable
`error_code` (see `siteaudit.crawl.errors`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError

from siteaudit.crawl.bodies import LARGE_BODY_BYTES, BodyDeferredError, BodyGate, current_gate
from siteaudit.crawl.breaker import Breaker, CircuitBreaker
from siteaudit.crawl.charset import codec_name, detect_encoding, header_charset
from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.decoding import BodyDecoder
from siteaudit.crawl.errors import (
    BlockedAddressError,
    BodyTooLargeError,
    DecodingError,
    ErrorCode,
)
from siteaudit.crawl.lenient import forgivable, make_forgiving
from siteaudit.crawl.retries import RETRY_STATUSES, SLOW_DOWN_STATUSES, retry_delay
from siteaudit.crawl.slots import (
    HostSlots,
    SendingStoppedError,
    Slots,
    SlotWaitExpiredError,
    Throttle,
    sending_stopped,
)
from siteaudit.crawl.ssrf import AddressPolicy, VettingResolver
from siteaudit.model.page import FetchedPage, RedirectHop
from siteaudit.model.refusals import is_challenge
from siteaudit.pipeline.urls import InvalidURLError, normalise, resolve

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Said of a redirect loop whose chain sets a cookie (the check `redirect-loop` repeats it).
COOKIE_LOOP = (
    "the chain sets a cookie and redirects until it is sent back: a browser gets through,"
    " crawlers that keep no cookies (search engines' included) loop"
)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# Bounds of an answer's head. aiohttp's defaults (8,190 bytes a header, 128 headers) made
# a page with a 9 KB Content-Security-Policy or Link header, or 129 header lines (Set-Cookie
# after Set-Cookie), a protocol error, which browsers read (Chromium allows 256 KiB of
# headers in all). aiohttp bounds no total: 16 KiB a header (nginx and most proxies in
# front of a site pass 4-8 KB) and 256 of them keep an endless head to 9 MB of memory,
# measured (tests/integration/crawl/test_fetch_hostile_servers.py).
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADERS = 256
#: A HEAD answer from this status on is tried again with GET (see `HttpFetcher.check`).
HEAD_REFUSED = 400
#: Bodies we skip but this small are read and dropped, so the connection can be reused.
DRAIN_BYTES = 64 * 1024
#: Errors that say "the host did not answer": they retry (connects) and feed the breaker.
RETRY_ERRORS = frozenset({ErrorCode.CONNECT_FAILED})
BREAKER_ERRORS = frozenset({ErrorCode.CONNECT_FAILED, ErrorCode.TIMEOUT, ErrorCode.DNS_FAILED})
QUEUED_S = 0.05  # a request that waited this long for its host's turn checks the circuit again
# More tries for a refusal (429, 503) on a host that has shown it is limiting its rate: a
# URL it refused answered on a later try. See `_hop`.
REFUSED_EXTRA_RETRIES = 4
# A host that answered this recently is up: its cut connections are not failures (`_attempt`)
ANSWERED_S = 600.0
# Hosts (or origins) each of a fetcher's memories keeps: when they last answered, those
# that limit their rate, those that sent bytes after a HEAD answer. A Celery worker's
# fetcher serves scan after scan; a memory full is emptied, which costs only relearning.
KEPT_HOSTS = 10_000
# aiohttp's words for a body the connection's end cut short (`_cut_body`)
_CUT_BODY = "Response payload is not completed"
_CUT_COUNTS = re.compile(r"received (\d+) of (\d+) bytes")


@dataclass(slots=True)
class Exchange:
    """One request and its response on the wire, filled in as it progresses."""

    url: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    ttfb_ms: float | None = None
    total_ms: float | None = None
    truncated: bool = False
    encoding: str | None = None
    error_code: ErrorCode | None = None
    error_message: str | None = None
    # The server closed or reset the connection before answering, on a new connection
    # too (`_exchange`): tried again after a backoff, on a new connection (`_hop`).
    cut: bool = False

    def header(self, name: str) -> str | None:
        """The first value of header `name` (lower-case), None when absent."""
        return next((value for key, value in self.headers if key == name), None)

    def header_values(self, name: str) -> list[str]:
        """Every value of header `name` (lower-case), in the order they came."""
        return [value for key, value in self.headers if key == name]

    def fail(self, code: ErrorCode, message: str) -> Exchange:
        """Mark the exchange failed and return it (the message folded onto one line)."""
        self.error_code, self.error_message = code, " ".join(message.split())
        return self


class HttpFetcher:
    """Fetches URLs over HTTP(S) within every bound of a `FetchConfig` (a pipeline Fetcher).

    Use as `async with HttpFetcher(config, AddressPolicy.service()) as fetcher:` or call
    `close()` when done. Safe for many concurrent `fetch` calls on one event loop.
    """

    def __init__(
        self,
        config: FetchConfig,
        policy: AddressPolicy | None = None,
        *,
        breaker: Breaker | None = None,
        slots: Slots | None = None,
    ) -> None:
        """`breaker` and `slots` replace the in-process ones (the Celery engine shares them
        across workers through Redis)."""
        self.config = config
        self.policy = policy or AddressPolicy(config.allow_private, config.allow_loopback)
        self.breaker: Breaker = breaker or CircuitBreaker(
            config.circuit_breaker_threshold,
            config.circuit_breaker_reset,
            refusal_window=config.refusal_window,
        )
        self._slots: Slots = slots or HostSlots(config.concurrency, config.per_host_concurrency)
        self.slowed_down = 0  # answers that asked to slow down (`_refusal`), for the counters
        self.challenged = 0  # of them, bot-protection challenges (`is_challenge`)
        # Tries a server dropped (the connection closed or reset before an answer, on a new
        # connection too), for the counters: one now and then is a kept-alive connection's
        # race, which the retry on a new connection hides and this does not count.
        self.dropped = 0
        # Answers read only once what browsers forgive in their header block was put right
        # (`crawl/lenient.py`), for the counters.
        self.malformed = 0
        # Hosts the breaker says limit their rate (a refused URL answered later), once
        # known: the breaker is asked on refusals only, and a shared one is a Redis call.
        self._rate_limited: set[str] = set()
        # When each host last gave an HTTP answer (any status): one that cuts a connection
        # before answering is dropping that request, not down (`_attempt`). Bounded: a
        # Celery worker's fetcher serves scan after scan.
        self._answered: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None
        # A request sent again on a new connection, and HEADs to the hosts below (`_open`)
        self._fresh_session: aiohttp.ClientSession | None = None
        # Origins that answered with bytes that are not HTTP on a connection we reused: a
        # body sent after a HEAD answer (some servers do) is read as the next answer.
        self._stray_bytes: set[str] = set()
        # The session whose connections read answers as browsers do (`crawl/lenient.py`),
        # and the origins whose answers needed it: their requests go there at once.
        self._forgiving_session: aiohttp.ClientSession | None = None
        self._forgiven_origins: set[str] = set()
        self._forgives = True
        self._headers = {
            "User-Agent": config.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        self._extra = dict(config.extra_headers) if config.headers_host else None
        # aiohttp's total/connect timeouts would also count the wait for a pooled
        # connection; our own deadline (asyncio.timeout) covers the whole exchange instead.
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=config.connect_timeout, sock_read=config.read_timeout
        )

    def pace(self, origin: str, interval_s: float) -> None:
        """Start requests to `origin` (scheme://host:port) at least `interval_s` apart
        (robots.txt Crawl-delay)."""
        self._slots.pace(origin, interval_s)

    def space(self, interval_s: float) -> None:
        """Start requests to any one host at least `interval_s` apart from now on (the
        scan's own delay; a Celery worker's fetcher serves one scan's task at a time)."""
        self._slots.space(interval_s)

    async def __aenter__(self) -> HttpFetcher:
        self._session = self._session or self._new_session(force_close=False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the sessions and their connections (and the resolvers)."""
        for session in (self._session, self._fresh_session, self._forgiving_session):
            if session is not None:
                await session.close()
        self._session = self._fresh_session = self._forgiving_session = None

    def _open(
        self, method: str, url: str, *, fresh: bool = False, forgive: bool = False
    ) -> aiohttp.ClientSession:
        """The session for a `method` request to `url`: the one whose connections are
        kept alive and shared, or the one whose connections are never reused.

        A server may send a body after its HEAD answer (some do), which nothing frames:
        on a reused connection it is read as the start of the next answer, to another URL
        ("not a valid HTTP response"). aiohttp gives a HEAD's connection back to its pool
        before the answer reaches us, so only a connector that closes every connection
        keeps them apart. That answer is sent again on a new connection (`_exchange`), and
        the origin's HEADs go on new connections from then on: every HEAD used to, a TCP
        (and TLS) handshake for each resource and link checked. A request the server hung
        up on before answering is sent again on a new connection too.

        `forgive`: the session whose connections are never reused either, and read answers
        as browsers do (`crawl/lenient.py`)."""
        if forgive:
            if self._forgiving_session is None:
                self._forgiving_session = self._new_session(force_close=True, forgiving=True)
            return self._forgiving_session
        if fresh or self._new_each(method, url):
            if self._fresh_session is None:
                self._fresh_session = self._new_session(force_close=True)
            return self._fresh_session
        if self._session is None:
            self._session = self._new_session(force_close=False)
        return self._session

    def _new_each(self, method: str, url: str) -> bool:
        """True when a `method` request to `url` goes on a new connection (`_open`)."""
        return method == "HEAD" and bool(self._stray_bytes) and _origin(url) in self._stray_bytes

    def _new_session(self, *, force_close: bool, forgiving: bool = False) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.config.concurrency,
            limit_per_host=self.config.per_host_concurrency,
            ttl_dns_cache=self.config.dns_cache_ttl,
            resolver=VettingResolver(self.policy, hosts=dict(self.config.hosts)),
            ssl=tls_context(self.config),
            force_close=force_close,
        )
        # An aiohttp that builds its connections otherwise than the one `crawl/lenient.py`
        # was written for gets a strict session, and no more tries of this kind.
        if forgiving and not make_forgiving(connector):
            self._forgives = False
        session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            timeout=self._timeout,
            auto_decompress=False,
            trust_env=False,  # an HTTP(S)_PROXY from the environment would bypass vetting
            cookie_jar=aiohttp.DummyCookieJar(),  # stateless, like a search engine crawler
            max_field_size=MAX_HEADER_BYTES,
            max_headers=MAX_HEADERS,
        )
        # aiohttp sends a GET or HEAD the server hung up on (or reset) once more, on the
        # pool's next connection; `_exchange` does that on a new connection, and `_hop`
        # after a backoff: with aiohttp's on top, each of those was two requests. aiohttp
        # has only this private switch for it (its tests use it); an aiohttp without it
        # keeps its retry.
        if "_retry_connection" in aiohttp.ClientSession.ATTRS:
            session._retry_connection = False
        return session

    async def fetch(
        self, url: str, *, max_bytes: int | None = None, accept_any_type: bool = False
    ) -> FetchedPage:
        """Fetch `url`, following redirects hop by hop; never raises for network trouble.

        `max_bytes` overrides the decoded body cap for this call; `accept_any_type` reads
        the body whatever the Content-Type (robots.txt, sitemaps), not only HTML.
        """
        limit = max_bytes if max_bytes is not None else self.config.max_body_bytes
        return await self._guarded(url, limit, accept_any_type, "GET")

    async def check(self, url: str) -> FetchedPage:
        """The answer of `url` without its body, redirects followed (an external link's
        check): HEAD, then GET when HEAD gets an error status (servers that do not
        implement HEAD answer 405, 501 or even 404), an answer that is not valid HTTP
        (servers that send a body after a HEAD answer: it is read as a second answer) or
        none (some drop HEAD requests). Never raises for network trouble."""
        head = await self._guarded(url, 0, False, "HEAD")
        refused = head.status is not None and head.status >= HEAD_REFUSED
        if refused or head.error_code == ErrorCode.PROTOCOL_ERROR:
            return await self._guarded(url, 0, False, "GET")
        return head

    async def _guarded(
        self, url: str, limit: int, accept_any_type: bool, method: str
    ) -> FetchedPage:
        """`_follow`, with a bug in it costing this URL only, not the scan."""
        try:
            return await self._follow(url, limit, accept_any_type, method)
        except (SlotWaitExpiredError, SendingStoppedError, BodyDeferredError):
            raise  # not requested, or its body not read: the caller tries again later, or stops
        except Exception as exc:
            logger.exception("%s %s failed unexpectedly", method, url, extra={"url": url})
            return FetchedPage(
                url=url,
                final_url=url,
                status=None,
                error_code=ErrorCode.INTERNAL_ERROR,
                error_message=f"unexpected {type(exc).__name__}: {exc}",
            )

    async def _follow(
        self, url: str, limit: int, accept_any_type: bool, method: str
    ) -> FetchedPage:
        hops: list[RedirectHop] = []
        try:
            current = normalise(url)
        except InvalidURLError as exc:
            return _page(url, hops, Exchange(url).fail(ErrorCode.INVALID_URL, str(exc)))
        seen = {current}
        sets_cookies = False  # a hop of the chain set a cookie (`_redirect_problem`)
        while True:
            exchange = await self._hop(current, limit, accept_any_type, method)
            if exchange.status not in REDIRECT_STATUSES or exchange.error_code is not None:
                return _page(url, hops, exchange)
            location, *others = exchange.header_values("location") or [""]
            target = resolve(current, location)
            hops.append(RedirectHop(current, exchange.status, target or location))
            sets_cookies = sets_cookies or exchange.header("set-cookie") is not None
            problem = _locations_differ(location, others) or self._redirect_problem(
                target, location, seen, len(hops), sets_cookies=sets_cookies
            )
            if problem is not None:
                return _page(url, hops, exchange.fail(*problem))
            assert target is not None  # _redirect_problem rules a missing target out
            seen.add(target)
            current = target

    def _redirect_problem(
        self,
        target: str | None,
        location: str,
        seen: set[str],
        hop_count: int,
        *,
        sets_cookies: bool = False,
    ) -> tuple[ErrorCode, str] | None:
        if target is None:
            shown = repr(location) if location else "no Location header"
            return ErrorCode.REDIRECT_INVALID, f"redirect to an unusable URL: {shown}"
        if target in seen:
            message = f"redirect loop back to {target}"
            if sets_cookies:
                # A browser sends the cookie back and gets the page; search engines'
                # crawlers, stateless like this one, loop.
                message += f"; {COOKIE_LOOP}"
            return ErrorCode.REDIRECT_LOOP, message
        if hop_count > self.config.max_redirects:
            limit = self.config.max_redirects
            return ErrorCode.TOO_MANY_REDIRECTS, f"more than {limit} redirects"
        return None

    async def _hop(self, url: str, limit: int, accept_any_type: bool, method: str) -> Exchange:
        """One URL of the chain: vetted, then tried (and retried when transient)."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        try:
            self.policy.vet_host(parts.hostname or "")
        except BlockedAddressError as exc:
            return Exchange(url).fail(ErrorCode.SSRF_BLOCKED, str(exc))
        except InvalidURLError as exc:
            return Exchange(url).fail(ErrorCode.INVALID_URL, str(exc))
        attempt = 0
        refused = False
        exchange = None
        while True:
            fresh = exchange is not None and exchange.cut
            exchange = await self._attempt(url, host, limit, accept_any_type, method, fresh=fresh)
            self.dropped += exchange.cut
            wait = self._retry_delay(attempt, exchange) if _transient(exchange) else 0.0
            refusal = _refusal(exchange)
            if refusal and exchange.status not in SLOW_DOWN_STATUSES:
                self.challenged += 1
            limited = refusal and self._limits_rate(host)
            if refusal:
                refused = True
            elif refused and exchange.status is not None:
                self.breaker.record_rate_limit(host)  # refused, then answered: a rate limit
                _keep(self._rate_limited, host)
            if refusal and (limited or not _broken_again(exchange, attempt)):
                # The server asks every request to wait, not this one alone: the host's
                # next start waits (this retry too), and its requests are spaced.
                self._slots.slow_down(host, wait)
                self.slowed_down += 1
                self.breaker.record_refusal(host)
                if self.breaker.open_for(host) is not None:  # it opened: skip the queue now
                    self._slots.wake(host)
                wait = 0.0
            elif refusal:  # this URL broken, the server fine
                self.breaker.record_success(host)
            elif exchange.status is not None and exchange.status < 400:
                self._slots.speed_up(host)
            if attempt >= self._retries(exchange, limited, method) or not _transient(exchange):
                return exchange
            await asyncio.sleep(wait)
            attempt += 1

    def _limits_rate(self, host: str) -> bool:
        """Whether a URL `host` refused has answered later, here or (with a shared breaker)
        on any worker of the fleet: each Celery worker learning it alone let a page linked
        from every page run out of tries on a worker that had not, and end "429"."""
        if host not in self._rate_limited and self.breaker.rate_limited(host):
            _keep(self._rate_limited, host)
        return host in self._rate_limited

    def _retries(self, exchange: Exchange, limited: bool, method: str) -> int:
        """How many times `exchange`'s request is tried again at most.

        A host limiting its rate (nginx's limit_req answers 503, a CDN's 429) refuses a
        share of the requests whatever their URL, and each succeeds on a later try; with
        the usual budget some ran out of tries while the host was busy, and a page every
        page links to ended "503": hundreds of false broken links. Once a refused URL of
        the host has answered (on any worker of a fleet: `_limits_rate`), a refusal there
        is tried `REFUSED_EXTRA_RETRIES` more times and slows the host down even for a URL
        refused before (`_broken_again`). A host whose refused URLs never answer (an
        application down behind its server) keeps the usual budget: it is not limiting a
        rate, and its broken pages end soon.
        """
        retries = self.config.retries
        if exchange.cut and method == "HEAD":
            return 0  # `check` asks with GET next: that is its retry
        if limited and retries:  # (`limited` is only ever true of a refusal)
            return retries + REFUSED_EXTRA_RETRIES
        return retries

    async def _attempt(
        self, url: str, host: str, limit: int, accept_any_type: bool, method: str, *, fresh: bool
    ) -> Exchange:
        wait = self.breaker.open_for(host)
        if wait is not None:
            return Exchange(url).fail(ErrorCode.CIRCUIT_OPEN, self._open_message(host, wait))
        queued = time.monotonic()
        async with self._slots.hold(host):
            if sending_stopped():
                raise SendingStoppedError(f"{method} {url} was not sent: the scan was stopped")
            # A request that waited for its turn (a host slowed down, paced) asks again: the
            # circuit may have opened meanwhile, and the queue behind a host refusing
            # everything would still go out one by one, 5 s apart.
            if time.monotonic() - queued > QUEUED_S:
                wait = self.breaker.open_for(host)
                if wait is not None:
                    message = self._open_message(host, wait)
                    return Exchange(url).fail(ErrorCode.CIRCUIT_OPEN, message)
            exchange = await self._exchange(url, limit, accept_any_type, method, fresh=fresh)
        if exchange.status is not None:
            self._note_answer(host)
        # A connection cut before the answer counts as a failure only on a host that has
        # not answered lately (a firewall resetting every connection from here is a host
        # down for us): a host that answers other URLs is dropping that request, and
        # counting its cuts opened the circuit on its good pages.
        if exchange.error_code in BREAKER_ERRORS or (exchange.cut and not self._answers(host)):
            self.breaker.record_failure(host)
        elif exchange.status is not None and not _refusal(exchange):
            self.breaker.record_success(host)  # (a refusal is judged by `_hop`)
        return exchange

    def _note_answer(self, host: str) -> None:
        now = time.monotonic()
        if len(self._answered) >= KEPT_HOSTS and host not in self._answered:
            recent = {h: at for h, at in self._answered.items() if now - at < ANSWERED_S}
            self._answered = recent if len(recent) < KEPT_HOSTS else {}
        self._answered[host] = now

    def _answers(self, host: str) -> bool:
        """Whether `host` gave an HTTP answer in the last `ANSWERED_S` seconds."""
        at = self._answered.get(host)
        return at is not None and time.monotonic() - at < ANSWERED_S

    def _open_message(self, host: str, wait: float) -> str:
        refused = self.breaker.refusing_for(host)
        if refused is None:
            failures = self.breaker.failures(host)
            return (
                f"{host} skipped after {failures} consecutive failures to connect or to get"
                " an answer;"
                f" it will be tried again in {wait:.0f} s"
            )
        return (
            f"{host} skipped: it refused every request for {refused:.0f} s (HTTP 429 or 503"
            " asking to slow down, or a bot-protection challenge), though they were spaced up to"
            f" {Throttle.MAX_S:g} s apart; it will be tried again in {wait:.0f} s. The"
            " site may be limiting crawlers: allow siteaudit's user agent there, or scan"
            " with a longer --delay"
        )

    def _retry_delay(self, attempt: int, exchange: Exchange) -> float:
        config = self.config
        return retry_delay(
            attempt,
            exchange.header("retry-after") if exchange.status is not None else None,
            base=config.backoff_base,
            cap=config.backoff_cap,
            max_retry_after=config.max_retry_after,
        )

    async def _exchange(
        self, url: str, limit: int, accept_any_type: bool, method: str, *, fresh: bool
    ) -> Exchange:
        """Send one request (on a new connection when `fresh`) and read what we need of the
        answer, all within the deadline."""
        exchange = Exchange(url)
        started = time.perf_counter()
        # Read before sending: a concurrent request may learn the host's stray bytes meanwhile.
        forgive = self._forgiven(url)
        new_connection = fresh or forgive or self._new_each(method, url)
        try:
            async with asyncio.timeout(self.config.total_timeout) as deadline:
                send = functools.partial(
                    self._request,
                    exchange,
                    started,
                    limit,
                    accept_any_type,
                    method,
                    deadline=deadline,
                    forgive=forgive,
                )
                try:
                    await self._send(send, exchange, url, fresh=fresh, new=new_connection)
                except aiohttp.ClientResponseError as exc:
                    if forgive or exchange.status is not None:
                        raise  # read forgivingly already, or broken while answering
                    if not (self._forgives and forgivable(exc)):
                        raise  # a banner, a size limit, or an aiohttp this cannot extend
                    # A header block HTTP/1.1 does not allow, on a new connection: read
                    # once more as browsers read it (`crawl/lenient.py`), and so from then
                    # on for this origin.
                    forgive = True
                    await send(fresh=True, forgive=True)
                    self._forgave(_origin(url), exc)
            if forgive and exchange.status is not None:
                self.malformed += 1
        except BodyDeferredError:
            raise  # not the server's doing: `_guarded` lets it through
        except BodyTooLargeError as exc:
            exchange.truncated = True
            exchange.fail(ErrorCode.TOO_LARGE, str(exc))
        except TimeoutError as exc:
            exchange.truncated = exchange.status is not None
            exchange.fail(ErrorCode.TIMEOUT, self._timeout_message(exc, exchange))
        except Exception as exc:
            code, message = classify_exception(exc)
            if code is ErrorCode.INTERNAL_ERROR:
                raise
            exchange.fail(code, message)
            exchange.cut = exchange.status is None and _cut(exc)
        exchange.total_ms = (time.perf_counter() - started) * 1000
        if exchange.body and exchange.encoding is None:
            exchange.encoding = _encoding(exchange)
        return exchange

    async def _send(
        self,
        send: Callable[..., Awaitable[None]],
        exchange: Exchange,
        url: str,
        *,
        fresh: bool,
        new: bool,
    ) -> None:
        """`send` the request (on a new connection when `fresh`), and once more on a new
        connection when the server hung up or answered with bytes that are not HTTP
        before its answer, on a connection that was not `new`."""
        try:
            await send(fresh=fresh)
        except aiohttp.ClientError as exc:
            stray = isinstance(exc, aiohttp.ClientResponseError)
            if exchange.status is not None or new or not (stray or _cut(exc)):
                raise  # it hung up, or broke the framing, while answering; or a new
                # connection failed, or answered with bytes that are not HTTP
            # Hung up (or reset) before answering: most likely a server closing a
            # kept-alive connection it thinks idle as our request goes out (a keep-alive
            # timeout shorter than the pause between two requests to the host); sent once
            # more on a new connection at once, that says whether the server drops this
            # request (then `_hop` tries again after a backoff). Bytes that are not HTTP
            # before the answer: on a reused connection, most likely a body sent after an
            # earlier HEAD answer (`_open`).
            if stray:
                _keep(self._stray_bytes, _origin(url))
            await send(fresh=True)

    def _forgiven(self, url: str) -> bool:
        """Whether `url`'s origin answered with a head only browsers' leniency reads: its
        requests go to the forgiving session (no URL parsing while no origin has)."""
        return bool(self._forgiven_origins) and _origin(url) in self._forgiven_origins

    def _forgave(self, origin: str, exc: aiohttp.ClientResponseError) -> None:
        """Note that `origin`'s answers break HTTP/1.1's header rules: its requests go to
        the forgiving session from now on, and the log says what the strict reading found."""
        if origin not in self._forgiven_origins:
            logger.warning(
                "%s answers with a header block HTTP/1.1 does not allow (%s); its answers are"
                " read as browsers read them, each on a new connection",
                origin,
                " ".join(exc.message.split()),
            )
        _keep(self._forgiven_origins, origin)

    async def _request(
        self,
        exchange: Exchange,
        started: float,
        limit: int,
        accept_any_type: bool,
        method: str,
        *,
        deadline: asyncio.Timeout,
        fresh: bool,
        forgive: bool = False,
    ) -> None:
        session = self._open(method, exchange.url, fresh=fresh, forgive=forgive)
        extra = self._extra if self._extra and self._for_headers(exchange.url) else None
        async with session.request(
            method, exchange.url, allow_redirects=False, headers=extra
        ) as response:
            exchange.ttfb_ms = (time.perf_counter() - started) * 1000
            exchange.status = response.status
            exchange.headers = tuple((k.lower(), v) for k, v in response.headers.items())
            # A body without a Content-Type is read too (within the same cap): browsers
            # sniff it, and content-type-missing needs to know that a body was there.
            media = _media_type(exchange)
            if (
                response.status in REDIRECT_STATUSES
                or limit == 0
                or not (accept_any_type or media in HTML_TYPES or not media)
            ):
                await _drain_small(response)
                return
            await _read_body(response, exchange, limit, deadline)

    def _for_headers(self, url: str) -> bool:
        """True when `url` is on the one host the extra headers go to."""
        return (urlsplit(url).hostname or "").lower() == self.config.headers_host

    def _timeout_message(self, exc: TimeoutError, exchange: Exchange) -> str:
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return f"no connection within {self.config.connect_timeout} s"
        if isinstance(exc, aiohttp.SocketTimeoutError):
            return f"no data for {self.config.read_timeout} s"
        stage = "response body" if exchange.status is not None else "response headers"
        return f"{stage} not complete within the {self.config.total_timeout} s deadline"


async def _read_body(
    response: aiohttp.ClientResponse, exchange: Exchange, limit: int, deadline: asyncio.Timeout
) -> None:
    """Stream the body through the bounded decoder; keep what arrived even on failure.

    Under a `BodyGate` (crawl/bodies.py), a body past `LARGE_BODY_BYTES` is read on only
    with a permit; the wait for it moves the deadline (reading is paused meanwhile, and the
    server not to blame). A compressed body is measured before it is held: one small chunk
    may inflate to the whole cap (8 MB of prose from 43 KB of gzip), so until the permit
    its decoded bytes past `LARGE_BODY_BYTES` are only counted, its raw chunks kept, and
    once admitted they are decoded again for good.
    """
    # Every Content-Encoding header, joined as HTTP joins repeated fields.
    encoding = ", ".join(response.headers.getall("Content-Encoding", ())) or None
    decoder = BodyDecoder(encoding, limit)
    # Raw bytes are capped too: a compressed stream that yields nothing (brotli metadata
    # blocks, empty deflate blocks) must not be read forever within the deadline.
    raw_budget = limit + limit // 8 + DRAIN_BYTES
    gate = current_gate()
    if gate is not None and (response.content_length or 0) > LARGE_BODY_BYTES:
        await _admitted(gate, deadline)  # said large: wait before reading any of it
        gate = None
    raw: list[bytes] | None = None  # a compressed body's chunks, while it is measured
    if gate is not None and decoder.compressed and limit > LARGE_BODY_BYTES:
        decoder, raw = BodyDecoder(encoding, limit, keep=LARGE_BODY_BYTES), []
    try:
        async for chunk in response.content.iter_any():
            raw_budget -= len(chunk)
            if raw is not None:
                raw.append(chunk)
            try:
                decoder.feed(chunk)
            except BodyTooLargeError:
                if raw is None:
                    raise
                # Past the cap while measured: decoded again below, where it says so again.
            if gate is not None and decoder.size > LARGE_BODY_BYTES:
                await _admitted(gate, deadline)  # grown large (chunked, or compressed)
                gate = None
                if raw is not None:  # measured, not held: decode it again, for good
                    decoder = BodyDecoder(encoding, limit)
                    chunks, raw = raw, None
                    for piece in chunks:
                        decoder.feed(piece)
            if raw_budget < 0:
                raise BodyTooLargeError(limit)
        exchange.body = decoder.finish()
    finally:
        if not exchange.body:
            exchange.body = decoder.body


async def _admitted(gate: BodyGate, deadline: asyncio.Timeout) -> None:
    """Wait for `gate`'s permit with `deadline` stopped, then move it by the wait."""
    clock = asyncio.get_running_loop().time
    when, waiting_since = deadline.when(), clock()
    deadline.reschedule(None)
    await gate.admit()
    if when is not None:
        deadline.reschedule(when + clock() - waiting_since)


async def _drain_small(response: aiohttp.ClientResponse) -> None:
    """Read and drop a small skipped body so the keep-alive connection can be reused."""
    length = response.content_length
    if length is not None and length <= DRAIN_BYTES:
        await response.read()  # the parser stops at Content-Length, so this is bounded


def classify_exception(exc: BaseException) -> tuple[ErrorCode, str]:
    """The error code and message for an exception raised during one exchange."""
    if isinstance(exc, BlockedAddressError):
        return ErrorCode.SSRF_BLOCKED, str(exc)
    if isinstance(exc, DecodingError):
        return ErrorCode.DECODING_FAILED, str(exc)
    if isinstance(exc, InvalidURLError | aiohttp.InvalidURL):
        return ErrorCode.INVALID_URL, f"invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return ErrorCode.DNS_FAILED, f"DNS lookup of {exc.host} failed: {_reason(exc.os_error)}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        why = getattr(exc.certificate_error, "verify_message", "") or exc.certificate_error
        return ErrorCode.TLS_FAILED, (
            f"the TLS certificate of {exc.host} does not verify ({why}): trust its CA with"
            " --ca-bundle FILE (crawl.ca_bundle), or audit it unverified with --insecure"
            " (crawl.verify_tls = false)"
        )
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        if "WRONG_VERSION_NUMBER" in str(exc):  # what OpenSSL says of a plain-HTTP answer
            return ErrorCode.TLS_FAILED, (
                f"TLS failed: the server at {exc.host}:{exc.port} answered without TLS (is the"
                " URL http:// rather than https://?)"
            )
        return ErrorCode.TLS_FAILED, f"TLS failed: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        where = f"[{exc.host}]" if ":" in exc.host else exc.host
        return ErrorCode.CONNECT_FAILED, (
            f"could not connect to {where}:{exc.port}: {_reason(exc.os_error)}"
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ErrorCode.PROTOCOL_ERROR, "the server closed the connection without answering"
    if isinstance(exc, OSError) and _cut(exc):
        # Connected, then cut (a reset, a broken pipe): the server dropped this request,
        # as with a hang-up; not the connect failure a down host gives (counted by the
        # circuit breaker: a firewall resetting a few URLs of a page opened the circuit,
        # and the host's other pages were skipped). Both are retried (`Exchange.cut`).
        return ErrorCode.PROTOCOL_ERROR, f"the connection was cut before an answer: {_reason(exc)}"
    if isinstance(exc, aiohttp.ClientResponseError):
        if "Too many headers" in exc.message:
            return ErrorCode.PROTOCOL_ERROR, f"more than {MAX_HEADERS} response headers"
        if "Got more than" in exc.message:  # (llhttp's words, and the Python parser's)
            return ErrorCode.PROTOCOL_ERROR, (
                "a line of the response head too long (a header over"
                f" {MAX_HEADER_BYTES // 1024} KiB, or a status line over 8 KiB)"
            )
        return ErrorCode.PROTOCOL_ERROR, f"not a valid HTTP response: {exc.message}"
    if isinstance(exc, aiohttp.ClientPayloadError) and str(exc).startswith(_CUT_BODY):
        return ErrorCode.PROTOCOL_ERROR, _cut_body(exc)
    if isinstance(exc, aiohttp.ClientError | HttpProcessingError | OSError | EOFError):
        return ErrorCode.PROTOCOL_ERROR, f"{type(exc).__name__}: {exc}"
    return ErrorCode.INTERNAL_ERROR, f"unexpected {type(exc).__name__}: {exc}"


def _cut(exc: BaseException) -> bool:
    """Whether `exc` says the server closed or reset a connection it had accepted (aiohttp
    raises a `ConnectionResetError` of its own writing to a connection already closing)."""
    cut = aiohttp.ClientOSError | ConnectionResetError | BrokenPipeError
    return isinstance(exc, aiohttp.ServerDisconnectedError) or (
        isinstance(exc, cut) and not isinstance(exc, aiohttp.ClientConnectorError)
    )


def _cut_body(exc: aiohttp.ClientPayloadError) -> str:
    """A body the end of the connection cut short, in words (aiohttp says "Response payload
    is not completed: <ContentLengthError: 400, message='Not enough data to satisfy content
    length header (received 5000 of 100000 bytes).'>. ConnectionResetError(104, ...)")."""
    said = str(exc)
    ended = "reset" if "ConnectionResetError" in said else "closed"
    counts = _CUT_COUNTS.search(said)
    if counts is not None:
        received, declared = (int(count) for count in counts.groups())
        return (
            f"the body was cut short: the server {ended} the connection after"
            f" {received:,} of the {declared:,} bytes its Content-Length announced"
        )
    what = "its chunked encoding" if "TransferEncodingError" in said else "it"
    return f"the body was cut short: the server {ended} the connection before {what} ended"


def _reason(error: OSError) -> str:
    """An OS error in words ("Connection refused"), without the "[Errno 111]" or the
    "Connect call failed ('10.0.0.1', 80)" that asyncio and aiohttp wrap around it."""
    if isinstance(error.errno, int) and error.errno > 0:
        return os.strerror(error.errno)
    return error.strerror or str(error) or type(error).__name__


def _broken_again(exchange: Exchange, attempt: int) -> bool:
    """A 503 without Retry-After to a URL refused once already: more likely that URL being
    broken (an application down behind a healthy server) than the server being busy, so it
    is retried on its own backoff without slowing the host down again. A permanent 503 on
    a few pages used to double the whole host's spacing on every retry, up to 5 s a
    request. A 429, and a 503 that says when to come back, still slow the host down."""
    return exchange.status == 503 and attempt > 0 and not exchange.header("retry-after")


def _refusal(exchange: Exchange) -> bool:
    """Whether the answer refuses the crawler rather than answers for the URL, asking it to
    slow down: a 429 or 503, or bot protection's challenge (`is_challenge`: a browser gets
    the page, and a rate rule's challenge lifts when the requests slow down). It is
    retried, and slows the host down, as the `_hop` loop says."""
    return exchange.status in SLOW_DOWN_STATUSES or is_challenge(exchange.status, exchange.header)


def _transient(exchange: Exchange) -> bool:
    if exchange.cut:
        return True
    if exchange.error_code is not None:
        return exchange.error_code in RETRY_ERRORS
    return exchange.status in RETRY_STATUSES or _refusal(exchange)


def _keep(hosts: set[str], host: str) -> None:
    """Add `host` to one of a fetcher's memories, emptied when full (`KEPT_HOSTS`)."""
    if len(hosts) >= KEPT_HOSTS:
        hosts.clear()
    hosts.add(host)


def _locations_differ(location: str, others: list[str]) -> tuple[ErrorCode, str] | None:
    """A redirect with two different Location headers, which Chromium
    (ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION) and Firefox refuse to follow: it was followed
    to the first, a redirect broken for every visitor shown as working."""
    other = next((value for value in others if value.strip() != location.strip()), None)
    if other is None:
        return None  # none, or the same value repeated: browsers follow it
    return (
        ErrorCode.REDIRECT_INVALID,
        f"two different Location headers ({location!r} and {other!r}): browsers refuse"
        " to follow this redirect",
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _media_type(exchange: Exchange) -> str:
    return (exchange.header("content-type") or "").split(";", 1)[0].strip().lower()


def _encoding(exchange: Exchange) -> str | None:
    content_type = exchange.header("content-type")
    if _media_type(exchange) in HTML_TYPES:
        return detect_encoding(content_type, exchange.body)
    return codec_name(header_charset(content_type))


def _page(requested: str, hops: list[RedirectHop], exchange: Exchange) -> FetchedPage:
    return FetchedPage(
        url=requested,
        final_url=exchange.url,
        status=exchange.status,
        headers=exchange.headers,
        body=exchange.body,
        redirects=tuple(hops),
        ttfb_ms=exchange.ttfb_ms,
        total_ms=exchange.total_ms,
        encoding=exchange.encoding,
        truncated=exchange.truncated,
        error_code=exchange.error_code,
        error_message=exchange.error_message,
    )


def tls_context(config: FetchConfig) -> ssl.SSLContext | bool:
    """What the connector verifies TLS with: aiohttp's default (True: the system's CAs),
    a context that also trusts `config.ca_bundle`, or False (`verify_tls` off: any
    certificate is accepted)."""
    if not config.verify_tls:
        return False
    if config.ca_bundle is None:
        return True
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=config.ca_bundle)
    return context
