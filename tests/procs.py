"""Real processes a fault test owns: a Redis server it may kill and restart on the same port,
Celery workers and beat it may kill with SIGKILL. Never the machine's shared ones."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on a free port, without persistence (a restart starts empty, as a
    crashed cache-only Redis does)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> RedisServer:
        import redis

        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc = None


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces or parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill9(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


class CeleryProc:
    """``celery -A webapp.celery_app worker|beat`` with the given environment; output in
    ``log``. A worker uses the prefork pool, as ``make run`` does, so its pool child can be
    killed on its own."""

    def __init__(
        self, kind: str, env: dict[str, str], log: Path, *, name: str = "", extra: list[str] | None = None
    ):
        self.kind, self.env, self.log, self.name = kind, env, log, name
        self.extra = extra or []
        self.concurrency = 1
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryProc:
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webapp.celery_app",
            self.kind,
            "-l",
            "INFO",
            *self.extra,
        ]
        if self.kind == "worker":
            cmd += [
                "-Q",
                "cpu,events",
                "-n",
                self.name,
                "--concurrency",
                str(self.concurrency),
                # As in the Procfile: gossip's restart after a lost broker raised
                # AttributeError inside kombu (issue 11); the stack needs neither.
                "--without-gossip",
                "--without-mingle",
            ]
        fh = open(self.log, "ab")  # noqa: SIM115  # closed with the process
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def pool_children(self) -> list[int]:
        return children(self.pid)

    def kill(self) -> None:
        """SIGKILL the process and its children (a machine or container dying)."""
        if self.proc is None:
            return
        for child in self.pool_children():
            kill9(child)
        kill9(self.pid)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``predicate()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(interval)


LIMITS = {
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_STALE_AFTER_SECONDS": "3",
    "JOB_REAP_AFTER_SECONDS": "6",
    "REAP_EVERY_SECONDS": "1",
    "BROKER_VISIBILITY_TIMEOUT_SECONDS": "60",
}


class Stack:
    """Own Redis, own cpu worker (and beat when asked), and this process's Celery app
    pointed at that Redis while the test runs."""

    def __init__(self, tmp: Path, redis: RedisServer) -> None:
        self.tmp, self.redis = tmp, redis
        from tests.conftest import worker_database_url

        self.env = dict(os.environ, REDIS_URL=redis.url, DATABASE_URL=worker_database_url(), **LIMITS)
        self.name = f"faults-{os.getpid()}@test"
        self.worker = CeleryProc("worker", self.env, tmp / "worker.log", name=self.name)
        self.beat: CeleryProc | None = None

    def start_worker(self, concurrency: int = 1) -> CeleryProc:
        from tests.conftest import _wait_for_worker
        from webapp.celery_app import app

        self.worker.concurrency = concurrency
        self.worker.start()
        assert self.worker.proc is not None
        _wait_for_worker(app, self.name, self.worker.proc, timeout=90)
        return self.worker

    def start_beat(self) -> None:
        self.beat = CeleryProc(
            "beat", self.env, self.tmp / "beat.log", extra=["-s", str(self.tmp / "beat-schedule")]
        ).start()

    def close(self) -> None:
        for proc in (self.beat, self.worker):
            if proc is not None:
                proc.stop()
        self.redis.kill()
