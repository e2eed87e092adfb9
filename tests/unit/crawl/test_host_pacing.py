"""Per-host pacing in the fetcher's slots (robots.txt Crawl-delay)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from siteaudit.crawl.slots import HostSlots, Throttle


async def starts(slots: HostSlots, host: str, count: int) -> list[float]:
    seen: list[float] = []

    async def request() -> None:
        async with slots.hold(host):
            seen.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(count)))
    return sorted(seen)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_a_paced_host_gets_requests_no_closer_than_its_interval() -> None:
    slots = HostSlots(total=16, per_host=16)
    slots.pace("slow.test", 0.1)
    assert min(gaps(await starts(slots, "slow.test", 4))) >= 0.095


async def test_a_request_sent_late_keeps_the_next_one_its_interval_behind() -> None:
    # The only global slot is another host's when the paced host's first turn comes: that
    # request goes out late, and the next turns, reserved before, would have followed it
    # closer than the host's interval (two requests 0.02 s apart for a 0.1 s Crawl-delay).
    slots = HostSlots(total=1, per_host=4)
    slots.pace("slow.test", 0.1)

    async def elsewhere() -> None:
        async with slots.hold("other.test"):
            await asyncio.sleep(0.08)

    busy = asyncio.create_task(elsewhere())
    await asyncio.sleep(0)
    times = await starts(slots, "slow.test", 3)
    await busy
    assert min(gaps(times)) >= 0.095


async def test_other_hosts_are_not_paced() -> None:
    slots = HostSlots(total=16, per_host=16)
    slots.pace("slow.test", 0.5)
    started = time.monotonic()
    await starts(slots, "fast.test", 8)
    assert time.monotonic() - started < 0.2


async def test_pacing_can_be_turned_off() -> None:
    slots = HostSlots(total=16, per_host=16)
    slots.pace("a.test", 0.5)
    slots.pace("a.test", 0)
    started = time.monotonic()
    await starts(slots, "a.test", 4)
    assert time.monotonic() - started < 0.2


async def test_a_scan_delay_spaces_every_host_and_a_longer_crawl_delay_wins() -> None:
    slots = HostSlots(total=16, per_host=16)
    slots.space(0.05)
    assert min(gaps(await starts(slots, "any.test", 4))) >= 0.045
    assert min(gaps(await starts(slots, "other.test", 3))) >= 0.045
    slots.pace("slow.test", 0.15)  # its robots.txt Crawl-delay
    assert min(gaps(await starts(slots, "slow.test", 3))) >= 0.145
    slots.pace("short.test", 0.01)  # shorter than the scan's delay: the delay holds
    assert min(gaps(await starts(slots, "short.test", 3))) >= 0.045


async def test_spacing_follows_the_scan_being_served_and_leaves_a_host_pace_alone() -> None:
    slots = HostSlots(total=16, per_host=16)
    slots.space(0.05)  # a task of a scan with a delay
    assert min(gaps(await starts(slots, "any.test", 4))) >= 0.045
    slots.pace("slow.test", 0.1)
    slots.space(0)  # then a task of a scan without one
    started = time.monotonic()
    await starts(slots, "any.test", 6)
    assert time.monotonic() - started < 0.2  # no trace of the earlier scan's delay
    assert min(gaps(await starts(slots, "slow.test", 3))) >= 0.095  # its Crawl-delay stays


async def test_a_host_that_asks_to_slow_down_waits_then_gets_spaced_requests() -> None:
    slots = HostSlots(total=16, per_host=16)
    asked = time.monotonic()
    slots.slow_down("busy.test", 0.3)
    times = await starts(slots, "busy.test", 3)
    assert times[0] - asked >= 0.29  # nothing starts there until its Retry-After
    assert min(gaps(times)) >= Throttle.START_S - 0.01
    assert time.monotonic() - asked < 2
    other = time.monotonic()
    await starts(slots, "calm.test", 4)  # another host is not held
    assert time.monotonic() - other < 0.2


def test_the_throttle_doubles_once_per_refusal_burst_and_eases_with_good_answers() -> None:
    throttle = Throttle()
    for _ in range(7):  # seven requests refused together: one overload, one doubling
        throttle.slow_down("a.test")
    assert throttle.of("a.test") == Throttle.START_S  # it had answered nothing: no rate
    throttle.speed_up("a.test")  # no rate it refused at is known: eased by a share
    eased = Throttle.START_S * (1 - Throttle.EASE)
    assert throttle.of("a.test") == pytest.approx(eased)
    throttle.doubled_at["a.test"] -= Throttle.SETTLE_S  # a second later, refused again
    throttle.slow_down("a.test")
    assert throttle.of("a.test") == pytest.approx(2 * eased)
    assert throttle.refused_at["a.test"] == pytest.approx(1 / eased)  # the spacing's rate
    for _ in range(100):
        throttle.doubled_at["a.test"] = 0.0
        throttle.slow_down("a.test")
    assert throttle.of("a.test") == Throttle.MAX_S
    throttle.speed_up("a.test")  # up from the rate refused, a little at a time
    assert 1 / throttle.of("a.test") == pytest.approx(1 / Throttle.MAX_S + Throttle.PROBE)
    for _ in range(2_000):
        throttle.speed_up("a.test")
    assert throttle.of("a.test") == 0.0 and not throttle.intervals
    throttle.speed_up("never-slowed.test")
    assert throttle.of("never-slowed.test") == 0.0


def test_a_host_that_refuses_past_a_rate_is_asked_at_half_that_rate_then_nearer_it() -> None:
    # A rate limit of 50 requests a second: the spacing restarted at 0.25 s (4 a second)
    # after each refusal and was dropped at 20 a second, then bursts were refused: the
    # PostgreSQL manual limited so took 70 s where 23 would do.
    throttle = Throttle()
    for _ in range(50):  # answered 50 times within the last second, unspaced
        throttle.speed_up("limited.test")
    throttle.slow_down("limited.test")  # then refused
    assert throttle.of("limited.test") == pytest.approx(1 / 25, rel=0.05)  # half its rate
    assert throttle.refused_at["limited.test"] == pytest.approx(50, rel=0.05)
    throttle.speed_up("limited.test")  # from half the rate up, a little at a time
    assert 1 / throttle.of("limited.test") == pytest.approx(25 + Throttle.PROBE, rel=0.05)
    for _ in range(200):
        throttle.speed_up("limited.test")
    assert 1 / throttle.of("limited.test") == pytest.approx(25 + 201 * Throttle.PROBE, rel=0.05)
    throttle.intervals["limited.test"] = 1 / 10  # far under the rate it refused at ...
    throttle.speed_up("limited.test")
    assert throttle.of("limited.test") == pytest.approx(0.1 * (1 - Throttle.EASE))  # faster
    for _ in range(10_000):  # a limit lifted: the spacing goes once it is negligible
        throttle.speed_up("limited.test")
    assert throttle.of("limited.test") == 0.0 and "limited.test" not in throttle.refused_at


async def test_waking_a_host_ends_the_waits_for_its_turns() -> None:
    # Its circuit opened: requests waiting for their turns 5 s apart will not be sent, so
    # they stop waiting (and are skipped by the fetcher) rather than waiting 5 s each.
    slots = HostSlots(total=16, per_host=16)
    slots.pace("refusing.test", 5.0)
    slots.pace("other.test", 5.0)

    async def wake_soon() -> None:
        await asyncio.sleep(0.1)
        slots.wake("refusing.test")

    started = time.monotonic()
    seen, _ = await asyncio.gather(starts(slots, "refusing.test", 4), wake_soon())
    assert seen[-1] - started < 2.5  # not 15 s
    other = asyncio.ensure_future(starts(slots, "other.test", 2))  # not woken: still paced
    await asyncio.sleep(0.3)
    assert not other.done()
    other.cancel()
