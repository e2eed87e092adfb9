"""Scans in the store: creation, sites, status timestamps, counters, listing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from tests.integration.storage.factories import HOME

from siteaudit.model import ScanSpec, ScanStatus
from siteaudit.model.report import Runner
from siteaudit.storage import ScanNotFoundError, SqlScanStore
from siteaudit.storage.tables import sites


def test_a_new_scan_is_pending_and_keeps_its_spec(store: SqlScanStore) -> None:
    spec = ScanSpec(HOME, max_pages=7, include=("/shop/*",), options={"lang": "en"})
    scan_id = store.create_scan(spec)
    assert store.get_status(scan_id) is ScanStatus.PENDING
    assert store.get_spec(scan_id) == spec
    info = store.get_scan(scan_id)
    assert (info.start_url, info.started_at, info.finished_at) == (HOME, None, None)
    assert info.created_at.tzinfo is UTC


def test_two_scans_of_the_same_site_share_one_site_row(store: SqlScanStore) -> None:
    first = store.create_scan(ScanSpec(HOME))
    second = store.create_scan(ScanSpec(HOME, max_pages=10))
    other = store.create_scan(ScanSpec("https://other.example/"))
    with store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(sites)) == 2
    assert store.scan_ids_for_site(HOME) == [second, first]
    assert store.scan_ids_for_site("https://other.example/") == [other]
    assert store.scan_ids_for_site("https://never.example/") == []


def test_leaving_pending_stamps_the_start_once_and_a_terminal_status_the_finish(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    before = datetime.now(UTC)
    store.set_status(scan_id, ScanStatus.DISCOVERING)
    started = store.get_scan(scan_id).started_at
    store.set_status(scan_id, ScanStatus.FETCHING)
    assert store.get_scan(scan_id).started_at == started
    assert store.get_scan(scan_id).finished_at is None
    store.set_status(scan_id, ScanStatus.COMPLETED)
    info = store.get_scan(scan_id)
    assert started is not None and info.finished_at is not None
    assert before <= started <= info.finished_at <= datetime.now(UTC)
    assert info.status is ScanStatus.COMPLETED


def test_a_failed_scan_keeps_its_error(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.set_status(scan_id, ScanStatus.FAILED, error="start URL unreachable\x00")
    store.set_status(scan_id, ScanStatus.FAILED)
    info = store.get_scan(scan_id)
    assert info.error == "start URL unreachable\ufffd"
    assert info.finished_at is not None


def test_counters_add_up_across_calls_and_concurrent_writers(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.add_counters(scan_id, {"fetch/status/200": 2, "fetch/status/404": 1})

    def add_many() -> None:
        for _ in range(10):
            store.add_counters(scan_id, {"fetch/status/200": 1})

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get_scan(scan_id).counters == {"fetch/status/200": 42, "fetch/status/404": 1}


def test_replacing_counters_under_a_prefix_counts_a_repeated_step_once(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.add_counters(scan_id, {"fetch/status/200": 3, "external/checked": 5})
    checked = {"external/checked": 4, "external/broken": 1}
    for _ in range(2):  # the step, run again (a resumed scan, a redelivered task)
        store.replace_counters(scan_id, ("external/",), checked)
    assert store.get_scan(scan_id).counters == {"fetch/status/200": 3, **checked}
    store.replace_counters(scan_id, ("external/", "fetch/"), {})
    assert store.get_scan(scan_id).counters == {}


def test_two_claims_of_a_scan_at_once_queue_up_and_the_second_sees_the_first(
    store: SqlScanStore,
) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    seen: dict[int, Runner | None] = {}
    ready = threading.Barrier(2)

    def claim(pid: int) -> None:
        def choose(held: Runner | None) -> Runner:
            seen[pid] = held
            time.sleep(0.3)  # a slow check: the other claim arrives meanwhile
            return Runner("host", pid)

        ready.wait()
        store.set_runner(scan_id, choose)

    threads = [threading.Thread(target=claim, args=(pid,)) for pid in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = sorted(seen, key=lambda pid: seen[pid] is not None)
    assert (seen[first], seen[second]) == (None, Runner("host", first))
    assert store.get_scan(scan_id).runner == Runner("host", second)


def test_a_refused_claim_stores_nothing(store: SqlScanStore) -> None:
    scan_id = store.create_scan(ScanSpec(HOME))
    store.set_runner(scan_id, lambda _: Runner("host", 1))

    def refuse(held: Runner | None) -> Runner:
        raise RuntimeError(f"held by {held}")

    with pytest.raises(RuntimeError, match="held by"):
        store.set_runner(scan_id, refuse)
    assert store.get_scan(scan_id).runner == Runner("host", 1)
    with pytest.raises(ScanNotFoundError):
        store.set_runner(404, lambda _: Runner("host", 1))


def test_scans_are_listed_newest_first(store: SqlScanStore) -> None:
    ids = [store.create_scan(ScanSpec(f"https://site{n}.example/")) for n in range(3)]
    assert [info.id for info in store.list_scans(limit=2)] == [ids[2], ids[1]]
    assert [info.start_url for info in store.list_scans()][-1] == "https://site0.example/"


def test_asking_for_an_unknown_scan_raises_scan_not_found(store: SqlScanStore) -> None:
    with pytest.raises(ScanNotFoundError):
        store.get_scan(404)
    with pytest.raises(ScanNotFoundError):
        store.get_spec(404)
    with pytest.raises(ScanNotFoundError):
        store.set_status(404, ScanStatus.FAILED)
    with pytest.raises(ScanNotFoundError):
        store.check_stats(404)
