"""Servers a chaos test owns and may stop: its own Redis and its own PostgreSQL cluster.

The machine's shared services are never restarted by a test; these run on ports of their
own, as child processes of the test, ended by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


class OwnRedis:
    """A redis-server of the test's own, keeping nothing on disk (a restart loses all)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (run as the postgres user, trust auth)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="siteaudit-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.process: subprocess.Popen[bytes] | None = None
        self._as_postgres(
            str(self.bin / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(self.dir / "data")
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True
        )

    def start(self) -> None:
        command = [str(self.bin / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port)]
        command += ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}"]
        command += ["-c", "fsync=off"]
        self.process = subprocess.Popen(
            ["runuser", "-u", "postgres", "--", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        time.sleep(0.5)

    def restart(self) -> None:
        """A fast shutdown (every connection dropped, transactions rolled back), then start."""
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        pid = _postmaster_pid(self.dir / "data")
        if pid is not None:
            os.kill(pid, signal.SIGINT)
        self.process.wait(30)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class OwnRabbitMQ:
    """A RabbitMQ node of the test's own (run as the rabbitmq user, its own ports and data).

    Its queues are durable and Celery's messages persistent, so a restart keeps what was
    queued, as a production broker's would.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"siteaudit{self.port}@localhost"
        self.dir = Path(tempfile.mkdtemp(prefix="siteaudit-rmq-"))
        (self.dir / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        shutil.chown(self.dir, "rabbitmq", "rabbitmq")
        shutil.chown(self.dir / "rabbitmq.conf", "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> list[str]:
        return [
            "env",
            f"RABBITMQ_NODENAME={self.name}",
            f"RABBITMQ_DIST_PORT={self.dist_port}",
            f"RABBITMQ_CONFIG_FILE={self.dir / 'rabbitmq'}",
            f"RABBITMQ_MNESIA_BASE={self.dir / 'mnesia'}",
            f"RABBITMQ_LOG_BASE={self.dir / 'log'}",
            f"RABBITMQ_ENABLED_PLUGINS_FILE={self.dir / 'plugins'}",
            f"RABBITMQ_PID_FILE={self.dir / 'pid'}",
            "HOME=/var/lib/rabbitmq",
        ]

    def _run(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "rabbitmq", "--", *self._env(), *command],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.dir,
        )

    def start(self) -> None:
        self._run("rabbitmq-server", "-detached")
        # await_startup fails at once until the node has registered with epmd: ask again.
        deadline = time.monotonic() + 90
        while True:
            try:
                self._run("rabbitmqctl", "-n", self.name, "await_startup", "--timeout", "60")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        wait_for_port(self.port)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("rabbitmqctl", "-n", self.name, "stop")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
