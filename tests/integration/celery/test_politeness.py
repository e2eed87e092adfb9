"""Fleet-wide politeness on a real Redis: per-host slots, pacing and the circuit breaker."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
import redis
from tests.support.celery_cluster import broker
from tests.support.sites import Route, Site, html

from siteaudit.crawl.config import FetchConfig
from siteaudit.crawl.fetcher import HttpFetcher
from siteaudit.crawl.slots import SlotWaitExpiredError, Throttle
from siteaudit.crawl.ssrf import AddressPolicy
from siteaudit.engines.celery.politeness import (
    PREFIX,
    SharedBreaker,
    SharedHostSlots,
    slot_deadline,
)


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    with broker("redis") as url:
        connection = redis.Redis.from_url(url)
        try:
            yield connection
        finally:
            connection.close()


def slots(client: redis.Redis, **options: float) -> SharedHostSlots:
    settings = {"total": 16, "per_host": 2, "token_ttl_s": 30.0, **options}
    return SharedHostSlots(client, **settings)  # type: ignore[arg-type]


def test_two_workers_together_stay_within_the_per_host_limit(client: redis.Redis) -> None:
    workers = [slots(client), slots(client)]  # two processes' worth of slot holders
    running = 0
    peak = 0

    async def request(worker: SharedHostSlots) -> None:
        nonlocal running, peak
        async with worker.hold("a.test"):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.05)
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(request(workers[i % 2]) for i in range(12)))

    asyncio.run(main())
    assert peak == 2


def test_other_hosts_are_not_held_up(client: redis.Redis) -> None:
    worker = slots(client, per_host=1)
    order: list[str] = []

    async def request(host: str, pause: float) -> None:
        async with worker.hold(host):
            await asyncio.sleep(pause)
            order.append(host)

    async def main() -> None:
        await asyncio.gather(request("slow.test", 0.3), request("fast.test", 0.0))

    asyncio.run(main())
    assert order == ["fast.test", "slow.test"]


def test_pacing_spaces_requests_to_a_host_across_workers(client: redis.Redis) -> None:
    workers = [slots(client, min_interval_s=0.1), slots(client, min_interval_s=0.1)]
    starts: list[float] = []

    async def request(worker: SharedHostSlots) -> None:
        async with worker.hold("paced.test"):
            starts.append(time.monotonic())

    async def main() -> None:
        await asyncio.gather(*(request(workers[i % 2]) for i in range(5)))

    asyncio.run(main())
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.09


def test_a_scans_own_spacing_holds_across_workers_and_goes_with_the_next_scan(
    client: redis.Redis,
) -> None:
    workers = [slots(client), slots(client)]
    starts: list[float] = []

    async def request(worker: SharedHostSlots) -> None:
        async with worker.hold("spaced.test"):
            starts.append(time.monotonic())

    async def burst() -> list[float]:
        starts.clear()
        await asyncio.gather(*(request(workers[i % 2]) for i in range(5)))
        return sorted(starts)

    for worker in workers:
        worker.space(0.1)  # both serve a task of a scan asking for --delay 0.1
    spaced = asyncio.run(burst())
    assert min(b - a for a, b in itertools.pairwise(spaced)) >= 0.09
    for worker in workers:
        worker.space(0)  # then tasks of a scan without a delay
    time.sleep(0.1)  # the last spaced request's interval runs out
    free = asyncio.run(burst())
    assert free[-1] - free[0] < 0.09 * 4


def test_a_host_that_asks_one_worker_to_slow_down_is_held_for_every_worker(
    client: redis.Redis,
) -> None:
    told, other = slots(client), slots(client)
    starts: dict[str, list[float]] = {"told": [], "other": []}

    async def request(name: str, worker: SharedHostSlots) -> None:
        async with worker.hold("busy.test"):
            starts[name].append(time.monotonic())

    asked = time.monotonic()
    told.slow_down("busy.test", 0.4)  # its 429 said Retry-After: 0.4
    told.slow_down("busy.test", 0.05)  # a shorter one after it: the longer hold stands

    async def main() -> None:
        await asyncio.gather(
            *(request("told", told) for _ in range(2)),
            *(request("other", other) for _ in range(2)),
        )

    asyncio.run(main())
    # Nobody started a request there before the hold ran out, the other worker included.
    assert min(starts["told"] + starts["other"]) - asked >= 0.38
    # Then the host's requests are spaced (Throttle) by every worker, the one never told
    # included: the two refusals came together, so the interval doubled once, to 0.25 s.
    everyone = sorted(starts["told"] + starts["other"])
    assert min(b - a for a, b in itertools.pairwise(everyone)) >= 0.24
    assert client.pttl(f"{PREFIX}:busy.test:hold") < 0  # the hold is gone


def test_retry_after_zero_holds_nobody_but_still_spaces_the_host(client: redis.Redis) -> None:
    worker = slots(client)
    worker.slow_down("now.test", 0.0)  # "Retry-After: 0": Redis refused a 0 ms expiry
    assert not client.exists(f"{PREFIX}:now.test:hold")
    starts: list[float] = []

    async def main() -> None:
        for _ in range(2):
            async with worker.hold("now.test"):
                starts.append(time.monotonic())

    asyncio.run(main())
    assert starts[1] - starts[0] >= Throttle.START_S - 0.01


def test_good_answers_to_any_worker_ease_the_hosts_spacing_until_it_is_gone(
    client: redis.Redis,
) -> None:
    told, other = slots(client), slots(client)
    key = f"{PREFIX}:eased.test:throttle"
    told.slow_down("eased.test", 0.0)
    told.slow_down("eased.test", 0.0)  # within the interval: still one doubling
    assert float(client.hget(key, "interval") or 0) == pytest.approx(Throttle.START_S)

    async def request(worker: SharedHostSlots) -> None:
        async with worker.hold("eased.test"):
            pass
        worker.speed_up("eased.test")  # a good answer

    async def main(worker: SharedHostSlots, count: int) -> None:
        for _ in range(count):
            await request(worker)

    asyncio.run(main(other, 1))  # the worker that was never told eases it too
    assert float(client.hget(key, "interval") or 0) == pytest.approx(
        Throttle.START_S * (1 - Throttle.EASE)
    )
    # Each good answer takes a tenth off (no rate it refused at is known): 0.225 * 0.9**n
    # < 0.002 after 45 answers.
    started = time.monotonic()
    asyncio.run(main(other, 45))
    assert not client.exists(key)
    assert time.monotonic() - started >= 1.0  # they were spaced on the way down
    started = time.monotonic()
    asyncio.run(main(other, 5))  # no spacing left
    assert time.monotonic() - started < 0.2


def test_a_host_refusing_while_spaced_is_asked_at_half_that_rate_then_nearer_it(
    client: redis.Redis,
) -> None:
    # As the embedded engine (crawl.slots.Throttle): a host limiting its rate is asked near
    # its limit, not eased to no spacing and refused in bursts.
    worker = slots(client)
    key = f"{PREFIX}:limited.test:throttle"
    worker.slow_down("limited.test", 0.0)  # refused while not spaced: 0.25 s
    client.hset(key, "doubled_at", "0")  # a while later, refused again while spaced
    worker.slow_down("limited.test", 0.0)
    assert float(client.hget(key, "interval") or 0) == pytest.approx(2 * Throttle.START_S)
    assert float(client.hget(key, "refused_at") or 0) == pytest.approx(1 / Throttle.START_S)
    worker.speed_up("limited.test")  # from half the rate refused at, a little at a time
    rate = 1 / float(client.hget(key, "interval") or 0)
    assert rate == pytest.approx(1 / (2 * Throttle.START_S) + Throttle.PROBE)


def test_a_wait_for_a_slot_past_the_callers_deadline_gives_up(client: redis.Redis) -> None:
    worker = slots(client, per_host=1)
    client.zadd(f"{PREFIX}:full.test:slots", {"dead": time.time() + 30})  # a killed node's
    entered: list[str] = []

    async def request(host: str) -> None:
        async with worker.hold(host):
            entered.append(host)

    started = time.monotonic()
    with slot_deadline(started + 0.3):
        with pytest.raises(SlotWaitExpiredError):
            asyncio.run(request("full.test"))
        asyncio.run(request("free.test"))  # a host with a slot free is not affected
    assert 0.25 <= time.monotonic() - started < 2
    assert entered == ["free.test"]
    # Outside the context there is no deadline: the wait lasts until the slot comes back.
    client.zadd(f"{PREFIX}:soon.test:slots", {"dead": time.time() + 0.5})
    asyncio.run(request("soon.test"))
    assert entered == ["free.test", "soon.test"]


def test_a_dead_workers_slot_comes_back_after_its_ttl(client: redis.Redis) -> None:
    # The token a SIGKILLed worker took and never gave back, expiring in 0.3 s.
    client.zadd(f"{PREFIX}:a.test:slots", {"killed-worker": time.time() + 0.3})
    started = time.monotonic()

    async def later() -> None:
        async with slots(client, per_host=1).hold("a.test"):
            pass

    asyncio.run(later())
    assert 0.1 < time.monotonic() - started < 2


def test_the_breaker_opens_for_every_worker_and_any_answer_closes_it(
    client: redis.Redis,
) -> None:
    first, second = SharedBreaker(client, 3, 30.0), SharedBreaker(client, 3, 30.0)
    first.record_failure("down.test")
    second.record_failure("down.test")
    assert first.open_for("down.test") is None
    first.record_failure("down.test")
    wait = second.open_for("down.test")
    assert wait is not None and 29 < wait <= 30
    assert second.failures("down.test") == 3
    assert first.open_for("up.test") is None
    second.record_success("down.test")
    assert first.open_for("down.test") is None
    assert first.failures("down.test") == 0


def test_an_open_circuit_closes_by_itself_after_the_reset_time(client: redis.Redis) -> None:
    breaker = SharedBreaker(client, 1, 0.2)
    breaker.record_failure("down.test")
    assert breaker.open_for("down.test") is not None
    time.sleep(0.3)
    assert breaker.open_for("down.test") is None  # one trial request may go through


def test_a_host_refusing_every_worker_for_the_window_opens_for_all(client: redis.Redis) -> None:
    first = SharedBreaker(client, 3, 30.0, refusal_window=0.5)
    second = SharedBreaker(client, 3, 30.0, refusal_window=0.5)
    first.record_failure("busy.test")
    first.record_refusal("busy.test")  # it answers: no longer counted as failing
    assert second.failures("busy.test") == 0
    second.record_refusal("busy.test")
    assert first.open_for("busy.test") is None
    time.sleep(0.6)
    second.record_refusal("busy.test")  # refused by whichever worker, since the first
    wait = first.open_for("busy.test")
    assert wait is not None and 29 < wait <= 30
    refused = first.refusing_for("busy.test")
    assert refused is not None and 0.5 <= refused < 5
    assert first.refusing_for("up.test") is None
    first.record_success("busy.test")
    assert second.open_for("busy.test") is None
    second.record_refusal("busy.test")  # a new window starts
    assert first.open_for("busy.test") is None


def test_a_circuit_opened_by_failures_does_not_say_refused(client: redis.Redis) -> None:
    breaker = SharedBreaker(client, 1, 30.0)
    breaker.record_failure("down.test")
    assert breaker.open_for("down.test") is not None
    assert breaker.refusing_for("down.test") is None


def test_a_host_refused_while_not_spaced_gets_half_the_rate_the_fleet_asked_it_at(
    client: redis.Redis,
) -> None:
    # As the embedded engine halves the rate it was answered at: the fleet counts the
    # requests its workers started to the host over the last second (the slot script), so
    # a host limiting 50 requests a second is not restarted at 4 a second.
    workers = [slots(client, per_host=8), slots(client, per_host=8)]
    key = f"{PREFIX}:fast.test:throttle"

    async def main() -> None:
        for i in range(40):  # 40 requests in well under a second, from both workers
            async with workers[i % 2].hold("fast.test"):
                pass

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 0.8
    workers[0].slow_down("fast.test", 0.0)
    refused_at = float(client.hget(key, "refused_at") or 0)
    assert 38 <= refused_at <= 40  # this second's 40 (the last second's share: none)
    assert float(client.hget(key, "interval") or 0) == pytest.approx(2 / refused_at)
    # Then a good answer eases it additively at once: it is at half the rate it refused at.
    asyncio.run(request_once(workers[1], "fast.test"))
    workers[1].speed_up("fast.test")
    rate = 1 / float(client.hget(key, "interval") or 0)
    assert rate == pytest.approx(refused_at / 2 + Throttle.PROBE)


async def request_once(worker: SharedHostSlots, host: str) -> None:
    async with worker.hold(host):
        pass


def test_a_host_one_worker_found_limiting_its_rate_is_tried_longer_by_every_worker(
    client: redis.Redis,
) -> None:
    # A page every page links to ended "429" on Celery (the Python docs limited to 20
    # requests a second: 15-525 false broken links in 2 runs of 8): its worker had not yet
    # seen a refused URL answer later, though the other had.
    asked = {"/b": 0, "/a": 0}

    def refusing(path: str, times: int) -> Route:
        page = html("<h1>p</h1>")

        def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            asked[path] += 1
            return (429, {}, b"slow down") if asked[path] <= times else page(handler)

        return answer

    config = FetchConfig(backoff_base=0.01, backoff_cap=0.05)
    breakers = [SharedBreaker(client, 5, 30.0), SharedBreaker(client, 5, 30.0)]

    async def main(url: str) -> tuple[int | None, int | None]:
        async with (
            HttpFetcher(config, AddressPolicy.cli(), breaker=breakers[0]) as first,
            HttpFetcher(config, AddressPolicy.cli(), breaker=breakers[1]) as second,
        ):
            learnt = await first.fetch(f"{url}b")  # refused once, then answered
            page = await second.fetch(f"{url}a")  # refused three times, then answered
        return learnt.status, page.status

    with Site({"/b": refusing("/b", 1), "/a": refusing("/a", 3)}) as site:
        assert asyncio.run(main(site.url)) == (200, 200)
    assert asked == {"/b": 2, "/a": 4}
