"""The coordinator's guarantees on PostgreSQL, without a broker: claims, fan-in, schedules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from tests.integration.storage.factories import make_page, make_result
from tests.support.databases import empty_database

from siteaudit.engines.celery.schedule import newest_slot
from siteaudit.model import FetchedPage, ScanSpec, ScanStatus
from siteaudit.model.site import SiteFacts
from siteaudit.pipeline.discovery import Frontier
from siteaudit.pipeline.urls import Scope
from siteaudit.storage import codec
from siteaudit.storage.coordination import QUEUED, Completed, SqlCoordinator, send
from siteaudit.storage.database import create_engine_for, migrate
from siteaudit.storage.repository import insert_scan
from siteaudit.storage.schedules import add_schedule, fire_due, runs
from siteaudit.storage.tables import left_out, outbox, scans, schedules, work

pytestmark = pytest.mark.postgres

Offered = tuple[int, str, list[tuple[str, int]]]  # a work row, its URL, the (path, depth) offered


@pytest.fixture
def coordinator(tmp_path: Path) -> Iterator[SqlCoordinator]:
    with empty_database("postgresql", tmp_path) as url:
        engine = create_engine_for(url)
        migrate(engine)
        try:
            yield SqlCoordinator(engine)
        finally:
            engine.dispose()


def queued(coordinator: SqlCoordinator, count: int) -> tuple[int, list[int]]:
    with coordinator.engine.begin() as connection:
        scan_id = insert_scan(connection, ScanSpec(start_url="http://a.test/"), engine="celery")
        connection.execute(
            work.insert(),
            [
                {
                    "scan_id": scan_id,
                    "url": f"http://a.test/{i}",
                    "url_key": f"{i:064d}",
                    "depth": 1,
                    "found_via": "link",
                    "state": QUEUED,
                    "attempts": 0,
                    "selected": False,
                }
                for i in range(count)
            ],
        )
        ids = list(connection.scalars(select(work.c.id).order_by(work.c.id)))
    return scan_id, ids


def test_a_page_is_claimed_by_one_task_at_a_time(coordinator: SqlCoordinator) -> None:
    scan_id, ids = queued(coordinator, 3)
    first = coordinator.claim("fetch", scan_id, ids, "task-a", lease_s=60, max_attempts=3)
    second = coordinator.claim("fetch", scan_id, ids, "task-b", lease_s=60, max_attempts=3)
    again = coordinator.claim("fetch", scan_id, ids, "task-a", lease_s=60, max_attempts=3)
    assert [c.id for c in first.mine] == ids
    assert second.mine == [] and second.split == []
    assert again.split == ids  # redelivered: tried pages go on alone
    assert again.mine == []


def test_a_page_whose_row_another_transaction_holds_is_sent_again_not_lost(
    coordinator: SqlCoordinator,
) -> None:
    # Selection lowering a queued page's depth held its row as a fetch task claimed the
    # page: the claim skipped it, nothing sent it again, and the scan waited for it until
    # the reconciler's stall timeout (forever without beat; seen in bench-served, Celery).
    scan_id, ids = queued(coordinator, 3)
    with coordinator.engine.connect() as other:
        holding = other.begin()
        other.execute(update(work).where(work.c.id == ids[1]).values(depth=0))
        claim = coordinator.claim("fetch", scan_id, ids, "task-a", lease_s=60, max_attempts=3)
        holding.commit()
    assert [c.id for c in claim.mine] == [ids[0], ids[2]]
    with coordinator.engine.connect() as connection:
        sent = [(row.task, row.args) for row in connection.execute(select(outbox))]
    assert sent == [("fetch", [scan_id, [ids[1]]])]
    again = coordinator.claim("fetch", scan_id, [ids[1]], "task-b", lease_s=60, max_attempts=3)
    assert [c.id for c in again.mine] == [ids[1]]


def test_a_redirects_answer_kept_for_selection_is_dropped_when_the_scan_is_cancelled(
    coordinator: SqlCoordinator,
) -> None:
    # A redirected page's row keeps its chain's final answer until selection stages it for
    # the target (or drops it); a cancelled scan has no selection left to do either.
    scan_id, [page] = queued(coordinator, 1)
    coordinator.claim("fetch", scan_id, [page], "t", lease_s=60, max_attempts=3)
    target = "http://a.test/moved"
    answer = FetchedPage(target, target, 200, body=b"<title>Moved</title>")
    result = make_result(make_page("http://a.test/0", final_url=target))
    done = Completed(page, result, [], [(target, 1, "redirect")], answer)
    assert coordinator.complete(scan_id, "t", [done], step="fetch") == 1

    def answers() -> int:
        with coordinator.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).where(work.c.body.is_not(None))))

    assert answers() == 1
    assert coordinator.request_cancel(scan_id) is ScanStatus.CANCELLED
    assert answers() == 0


def test_a_retried_page_alone_is_exhausted_at_the_attempt_limit(
    coordinator: SqlCoordinator,
) -> None:
    scan_id, [page] = queued(coordinator, 1)
    for attempt in (1, 2):
        claim = coordinator.claim("fetch", scan_id, [page], "t", lease_s=60, max_attempts=2)
        assert [c.attempts for c in claim.mine] == [attempt]
    claim = coordinator.claim("fetch", scan_id, [page], "t", lease_s=60, max_attempts=2)
    assert claim.mine == []
    assert [c.attempts for c in claim.exhausted] == [2]


def test_an_expired_lease_frees_the_page_for_another_task(coordinator: SqlCoordinator) -> None:
    scan_id, [page] = queued(coordinator, 1)
    coordinator.claim("fetch", scan_id, [page], "dead", lease_s=60, max_attempts=3)
    with coordinator.engine.begin() as connection:
        past = datetime.now(UTC) - timedelta(seconds=1)
        connection.execute(update(work).values(lease_until=past))
    claim = coordinator.claim("fetch", scan_id, [page], "alive", lease_s=60, max_attempts=3)
    assert [c.attempts for c in claim.mine] == [2]


def test_the_relay_sends_each_message_once_across_concurrent_relays(
    coordinator: SqlCoordinator,
) -> None:
    with coordinator.engine.begin() as connection:
        for i in range(300):
            send(connection, "select", i)
    sent: list[int] = []
    lock = threading.Lock()

    def publish(message: object) -> None:
        with lock:
            sent.append(message.args[0])  # type: ignore[attr-defined]

    threads = [threading.Thread(target=coordinator.relay, args=(publish,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == list(range(300))
    with coordinator.engine.connect() as connection:
        unpublished = connection.scalar(select(func.count()).where(outbox.c.published_at.is_(None)))
    assert unpublished == 0


def test_a_failed_publish_keeps_the_message_for_the_next_relay(
    coordinator: SqlCoordinator,
) -> None:
    with coordinator.engine.begin() as connection:
        send(connection, "select", 1)
        send(connection, "select", 2)

    def broken(message: object) -> None:
        if message.args == [2]:  # type: ignore[attr-defined]
            raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        coordinator.relay(broken)
    sent: list[object] = []
    assert coordinator.relay(sent.append) == 1
    assert [m.args for m in sent] == [[2]]  # type: ignore[attr-defined]


def test_two_beats_firing_one_slot_start_one_scan(coordinator: SqlCoordinator) -> None:
    schedule_id = add_schedule(
        coordinator.engine, ScanSpec(start_url="http://a.test/"), "* * * * *"
    )
    with coordinator.engine.begin() as connection:
        earlier = datetime.now(UTC) - timedelta(minutes=5)
        connection.execute(update(schedules).values(created_at=earlier))
    started: list[list[int]] = []
    barrier = threading.Barrier(4)

    def beat() -> None:
        barrier.wait()
        started.append(fire_due(coordinator.engine, newest_slot))

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(s) for s in started) == [0, 0, 0, 1]
    assert len(runs(coordinator.engine, schedule_id)) == 1
    with coordinator.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(scans)) == 1
    assert fire_due(coordinator.engine, newest_slot) == []  # the slot is taken


def test_a_dead_letter_redriven_goes_back_to_the_queue_with_fresh_attempts(
    coordinator: SqlCoordinator,
) -> None:
    from siteaudit.model import FetchedPage
    from siteaudit.pipeline.fetching import to_page
    from siteaudit.pipeline.ports import PageResult
    from siteaudit.storage.tables import dead_letters

    scan_id, [page] = queued(coordinator, 1)
    for _ in range(2):
        coordinator.claim("fetch", scan_id, [page], "t", lease_s=60, max_attempts=2)
    [spent] = coordinator.claim("fetch", scan_id, [page], "t", lease_s=60, max_attempts=2).exhausted
    failed = FetchedPage(spent.url, spent.url, None, error_code="worker-lost", error_message="x")
    result = PageResult(to_page(failed, depth=1, is_internal=lambda _u: True, max_links=10), ())
    coordinator.fail(scan_id, "fetch", spent, result, "worker-lost: x")
    with coordinator.engine.begin() as connection:
        connection.execute(update(scans).values(status="completed"))
    [letter] = coordinator.dead_letters(scan_id)
    assert (letter.step, letter.attempts, letter.redriven_at) == ("fetch", 2, None)

    assert coordinator.redrive([letter.id]) == [scan_id]
    assert coordinator.redrive([letter.id]) == []  # a letter is redriven once
    with coordinator.engine.connect() as connection:
        row = connection.execute(select(work.c.state, work.c.attempts)).one()
        status = connection.scalar(select(scans.c.status))
        messages = connection.execute(
            select(outbox.c.task, outbox.c.args).where(outbox.c.task == "fetch")
        ).all()
        redriven = connection.scalar(select(dead_letters.c.redriven_at))
    assert tuple(row) == ("queued", 0)
    assert status == "fetching"
    assert [tuple(m) for m in messages] == [("fetch", [scan_id, [page]])]
    assert redriven is not None


def test_urls_the_depth_limit_kept_out_are_counted_once_whichever_process_selects(
    coordinator: SqlCoordinator,
) -> None:
    # Selection runs in whichever worker takes the task, and a frontier made there knew
    # nothing of the URLs an earlier one had left out: a URL linked from two pages past
    # the limit was counted twice, and one taken later by a shorter path stayed counted.
    site = "http://a.test"
    spec = ScanSpec(start_url=f"{site}/", max_depth=1)
    with coordinator.engine.begin() as connection:
        scan_id = insert_scan(connection, spec, engine="celery")
        connection.execute(
            update(scans).where(scans.c.id == scan_id).values(status=ScanStatus.DISCOVERING.value)
        )

    def make_frontier(spec: ScanSpec, _document: object) -> Frontier:
        return Frontier(
            Scope.of(spec), spec.max_pages, spec.max_depth, track_depths=True, count_left_out=False
        )

    first = make_frontier(spec, {})
    first.offer(spec.start_url, 0, "start")
    discovery = {"facts": SiteFacts(), "traps": [], "robots_blocked": [], "listed": []}
    assert coordinator.start_crawl(
        scan_id,
        frontier=first,
        frontier_document={},
        discovery=discovery,
        counters={},
        batch_size=10,
    )
    home = _work_ids(coordinator, scan_id)["/"]

    def done(work_id: int, url: str, offers: list[tuple[str, int]], *more: Offered) -> int:
        """Complete `url`'s page offering `offers` (and the `more` pages so given), select
        in a new frontier (another process's); the too-deep count after."""
        for page_id, page_url, page_offers in [(work_id, url, offers), *more]:
            coordinator.claim("fetch", scan_id, [page_id], "t", lease_s=60, max_attempts=3)
            candidates = [(f"{site}{path}", depth, "link") for path, depth in page_offers]
            result = make_result(make_page(page_url))
            coordinator.complete(
                scan_id, "t", [Completed(page_id, result, [], candidates)], step="fetch"
            )
        coordinator.select(scan_id, make_frontier, 10, cache=None)
        with coordinator.engine.connect() as connection:
            counters = connection.scalar(select(scans.c.counters).where(scans.c.id == scan_id))
        return int(counters.get("discover/skipped/too-deep", 0))

    def held() -> set[str]:
        """The paths the scan's `left_out` rows hold."""
        keys = {codec.url_key(f"{site}{path}"): path for path in ("/deep", "/deeper", "/late")}
        with coordinator.engine.connect() as connection:
            rows = connection.scalars(
                select(left_out.c.url_key).where(left_out.c.scan_id == scan_id)
            )
            return {keys[key] for key in rows}

    assert done(home, f"{site}/", [("/a", 1), ("/b", 1), ("/c", 1), ("/d", 1), ("/e", 1)]) == 0
    rows = _work_ids(coordinator, scan_id)
    assert done(rows["/a"], f"{site}/a", [("/deep", 2)]) == 1
    assert done(rows["/b"], f"{site}/b", [("/deep", 2), ("/deeper", 2)]) == 2
    assert held() == {"/deep", "/deeper"}
    assert done(rows["/c"], f"{site}/c", [("/deep", 1)]) == 1  # /deep within the limit after all
    assert "/deep" in _work_ids(coordinator, scan_id)
    assert held() == {"/deeper"}  # and out of the table
    # Left out and taken in one selection: /d's link too deep, /e's within the limit.
    assert (
        done(rows["/d"], f"{site}/d", [("/late", 2)], (rows["/e"], f"{site}/e", [("/late", 1)]))
        == 1
    )
    assert "/late" in _work_ids(coordinator, scan_id)
    assert held() == {"/deeper"}


def _work_ids(coordinator: SqlCoordinator, scan_id: int) -> dict[str, int]:
    """The scan's work rows, by path."""
    with coordinator.engine.connect() as connection:
        rows = connection.execute(
            select(work.c.url, work.c.id).where(work.c.scan_id == scan_id).order_by(work.c.id)
        )
        return {url.removeprefix("http://a.test"): work_id for url, work_id in rows}
