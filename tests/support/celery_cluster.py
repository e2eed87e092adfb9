"""Real Celery workers for tests: a broker of our own, worker subprocesses, their logs.

Each test gets an isolated broker namespace (its session's own Redis database index,
flushed before and after, or a RabbitMQ vhost created and deleted) so that no message of
one test can reach another, and a PostgreSQL schema of its own
(tests/support/databases.py). Workers are real `siteaudit worker` processes; a test ends
only the processes it started, by PID.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from siteaudit.settings import Settings, load_settings

REDIS_URL = os.environ.get("SITEAUDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# The Redis database indexes test sessions take their own from (each pytest-xdist worker
# process of `make test` is a session here), each flushed before and after every test of
# the session that holds it; which one each holds is kept in `CLAIMS_DB` (never flushed)
# with an expiry, so that a killed session's lapses.
DATABASES = range(8, 15)
CLAIMS_DB = 15
CLAIM_S = 4 * 3600
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


def claim_key(index: int) -> str:
    """The key in `CLAIMS_DB` naming the session that holds database `index`."""
    return f"siteaudit-tests:database:{index}"


def _claim_database() -> int:
    """A database index this process alone uses until it exits.

    Every session used database 11, flushing it around each test: two sessions on one
    machine (a developer's run, or a bench, while CI runs) consumed and flushed each
    other's messages, and their Celery tests failed for no fault of the code.
    """
    token = f"{os.getpid()}:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(f"{REDIS_URL}/{CLAIMS_DB}", socket_connect_timeout=2)
    try:
        for index in DATABASES:
            key = claim_key(index)
            if client.set(key, token, nx=True, ex=CLAIM_S):
                atexit.register(_release, client, key, token, os.getpid())
                return index
    except redis.RedisError:
        return DATABASES[0]  # unreachable: `broker` says so when a test needs it
    held = ", ".join(claim_key(index) for index in DATABASES)
    raise RuntimeError(
        f"every Redis database for tests is held by another session ({held} in database"
        f" {CLAIMS_DB} of {REDIS_URL}); they lapse {CLAIM_S // 3600} h after a killed"
        " session took them"
    )


def _release(client: redis.Redis, key: str, token: str, owner: int) -> None:
    """Give the database back, from the process that claimed it (not a forked child)."""
    if os.getpid() == owner:
        with suppress(redis.RedisError):
            client.eval(_RELEASE, 1, key, token)


REDIS_DB = _claim_database()
AMQP_HOST = os.environ.get("SITEAUDIT_TEST_AMQP_HOST", "127.0.0.1:5672")
BROKERS = ["redis", "rabbitmq"]
READY_TIMEOUT_S = 60.0
FAULT_WORKER = Path(__file__).with_name("fault_worker.py")


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: broker tests must run)", pytrace=False)
    pytest.skip(message)


@contextmanager
def broker(kind: str) -> Iterator[str]:
    """The URL of an empty broker namespace of `kind` (redis or rabbitmq)."""
    if kind == "redis":
        url = f"{REDIS_URL}/{REDIS_DB}"
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.flushdb()
        except redis.RedisError as exc:
            _missing(f"Redis is unreachable at {REDIS_URL}: {exc}")
        try:
            yield url
        finally:
            client.flushdb()
            client.close()
        return
    vhost = f"siteaudit_test_{uuid.uuid4().hex[:12]}"
    try:
        _rabbitmqctl("add_vhost", vhost)
    except (OSError, subprocess.CalledProcessError) as exc:
        _missing(f"RabbitMQ cannot be managed here (rabbitmqctl add_vhost): {exc}")
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{AMQP_HOST}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@dataclass
class Worker:
    """One `siteaudit worker` process and its log file."""

    process: subprocess.Popen[bytes]
    log: Path
    queues: tuple[str, ...]
    faults: bool = False
    concurrency: int = 2

    def text(self) -> str:
        """Everything the worker logged so far."""
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        """PIDs of the worker's pool processes."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        """Warm shutdown; killed if it does not stop within 20 s."""
        self.ask_to_stop()
        self.wait_stopped()

    def ask_to_stop(self) -> None:
        """Start a warm shutdown without waiting for it (`wait_stopped` waits)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        """Wait for the warm shutdown `ask_to_stop` started; kill after 20 s."""
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes (the whole node dies at once)."""
        children = self.children()
        if self.process.poll() is None:
            self.process.kill()
        for pid in children:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    """Settings shared by the test and its workers, and the workers it started."""

    database_url: str
    broker_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        """The environment a worker (or a CLI run) of this cluster gets."""
        env = {
            **os.environ,
            "SITEAUDIT_DATABASE_URL": self.database_url,
            "SITEAUDIT_BROKER_URL": self.broker_url,
            "SITEAUDIT_REDIS_URL": f"{REDIS_URL}/{REDIS_DB}",
            "SITEAUDIT_CONFIG": os.devnull,
            **self.env,
        }
        env.pop("SITEAUDIT_CRAWL__PROCESSES", None)
        return env

    def start_worker(
        self, queues: Sequence[str] = (), concurrency: int = 2, *, faults: bool = False
    ) -> Worker:
        """Start a worker listening to `queues` (all when empty) and wait until it is ready.

        With `faults`, the worker is tests/support/fault_worker.py (faults set in `env`).
        """
        log = self.workdir / f"worker-{len(self.workers)}.log"
        entry = [str(FAULT_WORKER)] if faults else ["-m", "siteaudit", "worker"]
        name = f"worker{len(self.workers)}-{uuid.uuid4().hex[:6]}@%h"
        command = [sys.executable, *entry, "--concurrency", str(concurrency), "--name", name]
        for queue in queues:
            command += ["-Q", queue]
        with log.open("wb") as handle:  # the child keeps its own descriptor
            process = subprocess.Popen(
                command, env=self.environment(), stdout=handle, stderr=subprocess.STDOUT
            )
        worker = Worker(process, log, tuple(queues), faults, concurrency)
        self.workers.append(worker)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "ready." not in worker.text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{worker.text()[-3000:]}")
            time.sleep(0.1)
        return worker

    def start_beat(self) -> Worker:
        """Start a `siteaudit beat` process and wait until it runs."""
        index = len(self.workers)
        log = self.workdir / f"beat-{index}.log"
        schedule = self.workdir / f"beat-{index}.schedule"
        command = [sys.executable, "-m", "siteaudit", "beat", "--schedule-file", str(schedule)]
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command, env=self.environment(), stdout=handle, stderr=subprocess.STDOUT
            )
        beat = Worker(process, log, ())
        self.workers.append(beat)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "Starting..." not in beat.text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"beat did not start:\n{beat.text()[-3000:]}")
            time.sleep(0.1)
        return beat

    def revive(self) -> int:
        """Start again every worker that exited on its own, as a process supervisor
        (systemd `Restart=always`) would; returns how many were restarted. Beat processes
        and workers a test killed on purpose (`Worker.kill`) count too: restarting them is
        what production does."""
        dead = [
            worker
            for worker in self.workers
            if worker.queues is not None
            and worker.process.poll() is not None
            and not worker.log.name.startswith("beat")
        ]
        for worker in dead:
            self.workers.remove(worker)
            self.start_worker(worker.queues, worker.concurrency, faults=worker.faults)
        return len(dead)

    def settings(self, **distributed: object) -> Settings:
        """Settings for the test's side; `distributed` overrides reach workers started later."""
        for name, value in distributed.items():
            self.env[f"SITEAUDIT_DISTRIBUTED__{name.upper()}"] = str(value)
        settings = load_settings(
            database_url=self.database_url,
            broker_url=self.broker_url,
            redis_url=f"{REDIS_URL}/{REDIS_DB}",
        )
        settings.distributed = settings.distributed.model_copy(update=distributed)
        return settings

    def stop(self) -> None:
        """Stop every worker this cluster started, all shutting down at once (a warm
        shutdown takes a second or two, most of a test's teardown when taken in turn)."""
        for worker in self.workers:
            worker.ask_to_stop()
        for worker in self.workers:
            worker.wait_stopped()


def queue_depths(broker_url: str, queues: Sequence[str]) -> dict[str, int]:
    """Messages waiting (and, on Redis, unacknowledged) per queue."""
    from kombu import Connection

    depths: dict[str, int] = {}
    for name in queues:
        with Connection(broker_url) as connection:  # a failed passive declare closes a channel
            try:
                _name, count, _consumers = connection.default_channel.queue_declare(
                    name, passive=True
                )
            except Exception:  # a queue never declared holds nothing
                count = 0
        depths[name] = int(count)
    if broker_url.startswith("redis"):
        client = redis.Redis.from_url(broker_url)
        depths["unacked"] = int(client.hlen("unacked"))
        client.close()
    return depths
