"""Politeness shared by every worker: per-host slots, pacing and circuit breaker in Redis.

One worker's fetcher limits itself; N workers would knock N times as hard. These replace
the fetcher's in-process per-host slots and circuit breaker (same interfaces) with state
in Redis, so the limits hold for the fleet:

- slots: at most `per_host` requests in flight to a host across all workers (a sorted set
  of tokens that expire after `token_ttl_s`, so a killed worker's slots come back);
- pacing: at least `min_interval_s` between two requests to a host, fleet-wide (robots.txt
  Crawl-delay or the operator's setting); 0 disables it;
- slowing down: a host that answers 429 or 503 gets no request from any worker until its
  Retry-After (or the backoff) has passed, and then every worker spaces its requests to it
  by the host's one interval, for the fleet (a hash per host: its interval, when it last
  doubled, the rate it last refused at), as `crawl.slots.Throttle` spaces them; for the
  first refusal the fleet counts the requests it started to the host over the last second
  (the slot script's sliding counter), where one process counts its good answers;
- circuit breaker: after `threshold` consecutive connect/timeout failures anywhere, the host
  is skipped by every worker for `reset_after` seconds (then one trial request); and once
  a URL a host refused answers on a later try, every worker tries the host's refusals
  longer (`HttpFetcher._retries`: it limits its rate, its pages are not broken).

Slot and pacing decisions are one Lua script, so they are atomic without locks.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import redis

from siteaudit.crawl.slots import SlotWaitExpiredError, Throttle

PREFIX = "siteaudit:host"
POLL_S = 0.02

# The requests started to a host over the last second, for its first refusal: a sliding
# window counter (`Throttle._counts`) in a hash, moved on to the second `now` is in. Lua
# shared by the two scripts below: KEYS[started] and `now` are their own.
_STARTED = """
local function started_counts(key, now)
  local counts = redis.call('HMGET', key, 'start', 'current', 'before')
  local start = tonumber(counts[1] or '0')
  local current = tonumber(counts[2] or '0')
  local before = tonumber(counts[3] or '0')
  local elapsed = now - start
  if elapsed >= 1 then
    if elapsed < 2 then before = current else before = 0 end
    start, current = now, 0
  end
  return start, current, before
end
"""
# KEYS: slots zset, pacing key, hold key, throttle hash, started hash. ARGV: now (s),
# per_host, token, token expiry (s), min interval (s). Returns 0 when a slot was taken,
# minus the host's throttle interval when it was taken under one, else seconds to wait
# (each as a string).
_ACQUIRE = (
    _STARTED
    + """
local now = tonumber(ARGV[1])
local held = redis.call('PTTL', KEYS[3])
if held > 0 then return tostring(held / 1000) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return tostring(0.02) end
local throttle = tonumber(redis.call('HGET', KEYS[4], 'interval') or '0')
local interval = math.max(tonumber(ARGV[5]), throttle)
if interval > 0 then
  local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < next_at then return tostring(next_at - now) end
  redis.call('SET', KEYS[2], tostring(now + interval), 'EX', math.ceil(interval) + 60)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[4])) + 60)
local start, current, before = started_counts(KEYS[5], now)
redis.call('HSET', KEYS[5], 'start', tostring(start), 'current', tostring(current + 1),
  'before', tostring(before))
redis.call('EXPIRE', KEYS[5], 3)
if throttle > 0 then return tostring(-throttle) end
return '0'
"""
)
# `Throttle.slow_down` for the fleet: a host refused while not spaced gets half the rate
# it was asked at over the last second, `start` at most. KEYS: throttle hash, started hash.
# ARGV: now (s), start, most (s), how long the hash outlives its last doubling (s),
# settle (s). Returns the interval (as a string).
_SLOW_DOWN = (
    _STARTED
    + """
local now = tonumber(ARGV[1])
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval') or '0')
local doubled_at = tonumber(redis.call('HGET', KEYS[1], 'doubled_at') or '0')
if interval > 0 and now - doubled_at < math.max(interval, tonumber(ARGV[5])) then
  return tostring(interval)
end
if interval > 0 then
  redis.call('HSET', KEYS[1], 'refused_at', tostring(1 / interval))
  interval = interval * 2
else
  local start, current, before = started_counts(KEYS[2], now)
  local rate = current + before * (1 - (now - start))
  if rate > 0 then
    redis.call('HSET', KEYS[1], 'refused_at', tostring(rate))
    interval = math.min(2 / rate, tonumber(ARGV[2]))
  else
    interval = tonumber(ARGV[2])
  end
end
interval = math.min(interval, tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'interval', tostring(interval), 'doubled_at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return tostring(interval)
"""
)
# `Throttle.speed_up` for the fleet. KEYS: throttle hash. ARGV: ease, probe (requests a
# second), drop (s). Returns the interval left, 0 when none is (as a string).
_SPEED_UP = """
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval') or '0')
if interval == 0 then return '0' end
local limit = tonumber(redis.call('HGET', KEYS[1], 'refused_at') or '0')
if limit == 0 or 1 / interval < limit / 2 then
  interval = interval * (1 - tonumber(ARGV[1]))
else
  interval = 1 / (1 / interval + tonumber(ARGV[2]))
end
if interval < tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return '0'
end
redis.call('HSET', KEYS[1], 'interval', tostring(interval))
return tostring(interval)
"""
# A host's throttle outlives its last doubling this long without good answers to ease it.
THROTTLE_KEEP_S = 600
# The fleet remembers a host limiting its rate this long after it last showed it.
RATE_LIMIT_KEEP_S = 3600


# When the running task stops waiting for slots (`time.monotonic()`), None for never.
_DEADLINE: ContextVar[float | None] = ContextVar("slot_deadline", default=None)


@contextmanager
def slot_deadline(deadline: float | None) -> Iterator[None]:
    """Within this context (and the asyncio tasks created in it), `SharedHostSlots.hold`
    raises `SlotWaitExpiredError` rather than wait for a slot past `deadline`.

    A fetch task has a time limit, and a page that overran it while waiting for a slot
    failed as `time-limit`: when a killed worker node's slot tokens still fill a host's
    slots (until they expire), every page of the host did. Its step gives such pages back
    to the queue instead (`Steps.fetch`)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class SharedHostSlots:
    """Fleet-wide per-host slots and pacing; a per-process cap on all hosts together."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        total: int,
        per_host: int,
        token_ttl_s: float,
        min_interval_s: float = 0.0,
    ) -> None:
        self._client = client
        self._global = asyncio.Semaphore(total)
        self._per_host = per_host
        self._ttl = token_ttl_s
        self._interval = min_interval_s
        self._paced: dict[str, float] = {}
        self._spacing = 0.0
        self._throttled: set[str] = set()  # hosts whose last slot came with a throttle
        self._acquire: Any = client.register_script(_ACQUIRE)
        self._slow_down: Any = client.register_script(_SLOW_DOWN)
        self._speed_up: Any = client.register_script(_SPEED_UP)

    def pace(self, host: str, interval_s: float) -> None:
        """Start requests to `host` at least `interval_s` apart, fleet-wide."""
        self._paced[host] = interval_s

    def space(self, interval_s: float) -> None:
        """Start this process's requests to any one host at least `interval_s` after the
        fleet's last one (the running scan's own delay), from now on."""
        self._spacing = interval_s

    def slow_down(self, host: str, wait_s: float) -> None:
        """`host` answered 429 or 503: no worker starts a request there for `wait_s`, and
        then every worker spaces its requests to it (`Throttle`, fleet-wide)."""
        self._slow_down(
            keys=[f"{PREFIX}:{host}:throttle", f"{PREFIX}:{host}:started"],
            args=[
                time.time(),
                Throttle.START_S,
                Throttle.MAX_S,
                THROTTLE_KEEP_S,
                Throttle.SETTLE_S,
            ],
        )
        self._throttled.add(host)
        key, wait_ms = f"{PREFIX}:{host}:hold", int(wait_s * 1000)
        # A longer hold already set stands, as locally; "Retry-After: 0" (or a date gone by)
        # asks for no hold at all, which Redis would refuse as an expiry of 0 ms.
        if wait_ms > 0 and wait_ms > self._client.pttl(key):
            self._client.set(key, "1", px=wait_ms)

    def speed_up(self, host: str) -> None:
        """Ease the fleet's spacing of `host` after a good answer; no Redis call unless its
        last slot here came with a throttle (the common case has none)."""
        if host not in self._throttled:
            return
        left = float(
            self._speed_up(
                keys=[f"{PREFIX}:{host}:throttle"],
                args=[Throttle.EASE, Throttle.PROBE, Throttle.DROP_S],
            )
        )
        if left <= 0:
            self._throttled.discard(host)

    def wake(self, host: str) -> None:
        """Not done on the fleet: its waiters still take their turns from Redis one
        interval apart, then find the shared circuit open and send nothing."""

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        """Wait for a fleet-wide slot for `host` (and this process's own cap)."""
        token = uuid.uuid4().hex
        slots = f"{PREFIX}:{host}:slots"
        async with self._global:
            while True:
                names = ("next", "hold", "throttle", "started")
                keys = [slots, *(f"{PREFIX}:{host}:{name}" for name in names)]
                interval = max(self._interval, self._spacing, self._paced.get(host, 0.0))
                args = [time.time(), self._per_host, token, self._ttl, interval]
                wait = float(self._acquire(keys=keys, args=args))
                if wait <= 0:  # a slot; minus the host's throttle when it has one
                    if wait < 0:
                        self._throttled.add(host)
                    else:
                        self._throttled.discard(host)
                    break
                deadline = _DEADLINE.get()
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise SlotWaitExpiredError(f"no slot for {host} came free in time")
                await asyncio.sleep(min(max(wait, POLL_S), 1.0))
            try:
                yield
            finally:
                self._client.zrem(slots, token)


class SharedBreaker:
    """The fetcher's circuit breaker with its state in Redis (see crawl/breaker.py): the
    fleet counts failures and refusals together, and an open circuit holds for every worker.
    The open key's value says why it opened ("failures", or "refused:SECONDS")."""

    def __init__(
        self,
        client: redis.Redis,
        threshold: int,
        reset_after: float,
        refusal_window: float = 120.0,
    ) -> None:
        self._client = client
        self.threshold = threshold
        self.reset_after = reset_after
        self.refusal_window = refusal_window

    def open_for(self, host: str) -> float | None:
        """Seconds until `host` may be tried again, or None when requests may go through."""
        left_ms = int(self._client.pttl(f"{PREFIX}:{host}:open"))
        return left_ms / 1000 if left_ms > 0 else None

    def record_failure(self, host: str) -> None:
        """Count a connect/timeout failure; open the circuit for every worker at the threshold."""
        key = f"{PREFIX}:{host}:failures"
        pipe = self._client.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(self.reset_after * 10) + 60)
        failures = int(pipe.execute()[0])
        if failures >= self.threshold:
            self._open(host, "failures")

    def record_refusal(self, host: str) -> None:
        """Count an answer refusing service; open the circuit for every worker once the host
        has refused every request for the refusal window (wall-clock time: the workers may
        be on several machines)."""
        now = time.time()
        since_key = f"{PREFIX}:{host}:refusing-since"
        pipe = self._client.pipeline()
        pipe.set(since_key, repr(now), nx=True, ex=int(self.refusal_window * 10) + 60)
        pipe.get(since_key)
        pipe.delete(f"{PREFIX}:{host}:failures")
        refused = now - float(pipe.execute()[1])
        if refused >= self.refusal_window:
            self._open(host, f"refused:{refused:.3f}")

    def record_success(self, host: str) -> None:
        """Any other HTTP answer proves the host alive and serving: close its circuit."""
        self._client.delete(
            f"{PREFIX}:{host}:failures", f"{PREFIX}:{host}:open", f"{PREFIX}:{host}:refusing-since"
        )

    def record_rate_limit(self, host: str) -> None:
        """A URL `host` refused answered on a later try, on this worker: the host limits
        its rate, for every worker (their refusals there are tried longer)."""
        self._client.set(f"{PREFIX}:{host}:rate-limited", "1", ex=RATE_LIMIT_KEEP_S)

    def rate_limited(self, host: str) -> bool:
        """Whether a URL `host` refused has answered on a later try, on any worker."""
        return bool(self._client.exists(f"{PREFIX}:{host}:rate-limited"))

    def failures(self, host: str) -> int:
        """Consecutive failures counted for `host` across the fleet."""
        return int(self._client.get(f"{PREFIX}:{host}:failures") or 0)

    def refusing_for(self, host: str) -> float | None:
        """Seconds `host` had refused every request when its circuit opened for that."""
        why = self._client.get(f"{PREFIX}:{host}:open")
        text = why.decode() if isinstance(why, bytes) else str(why or "")
        return float(text.removeprefix("refused:")) if text.startswith("refused:") else None

    def _open(self, host: str, why: str) -> None:
        self._client.set(f"{PREFIX}:{host}:open", why, px=int(self.reset_after * 1000))
