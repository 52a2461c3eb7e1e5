"""Fixtures for the sandbox suite: one warm pool for the whole session (real worker
processes, full isolation required), HumanEval's file, and host-side checks that a hostile
program left the machine as it found it."""

from __future__ import annotations

import gzip
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import JudgeRequest, JudgeResult, SandboxPool

REPO = Path(__file__).resolve().parents[2]
# In CI the shared data sits beside the checkout: <repo>/../shared/data/...
HUMANEVAL = REPO / ".." / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz"
#: Planted in this process's environment before any pool starts: must never reach a program.
ENV_SECRET = "atomlab-env-secret-7f3c"
os.environ["ATOMLAB_SANDBOX_TEST_SECRET"] = ENV_SECRET


@pytest.fixture(scope="session")
def pool() -> Iterator[SandboxPool]:
    """Two workers (one per core on the CI machines) with every isolation layer; a missing
    layer fails the suite loudly rather than testing a weaker sandbox."""
    with SandboxPool(2, require_isolation=True) as p:
        yield p


@pytest.fixture(scope="session")
def humaneval() -> list[dict[str, Any]]:
    if not HUMANEVAL.exists():
        raise FileNotFoundError(
            f"HumanEval is missing: expected {HUMANEVAL.resolve()} (the shared data folder "
            "beside the repository); the sandbox suite needs it"
        )
    with gzip.open(HUMANEVAL, "rt") as fh:
        problems = [json.loads(line) for line in fh]
    assert len(problems) == 164
    return problems


def sandbox_processes(pool: SandboxPool) -> list[tuple[int, int]]:
    """``(pid, uid)`` of every host process running under one of the pool's uids."""
    uids = set(pool.uids)
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        uid = int(fields["Uid"].split()[0])
        if uid in uids and not fields["State"].strip().startswith("Z"):
            found.append((int(name), uid))
    return found


def stray_processes(pool: SandboxPool) -> list[tuple[int, int]]:
    """Sandbox processes that are not the pool's own test processes: anything a program
    started and left behind."""
    candidate_uids = set(pool.candidate_uids())
    tree = set(pool.worker_pids())
    return [(pid, uid) for pid, uid in sandbox_processes(pool) if uid in candidate_uids or pid not in tree]


class HostWatch:
    """Listeners on 127.0.0.1 and a snapshot of /tmp, to check after a hostile program."""

    def __init__(self) -> None:
        self.listeners: list[socket.socket] = []
        for port in (5432, 6379, 0):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # the real PostgreSQL or Redis holds it; the program still tries
                sock.close()
                continue
            sock.listen(16)
            sock.setblocking(False)
            self.listeners.append(sock)
        self.ports = [s.getsockname()[1] for s in self.listeners]
        self.tmp_before = set(os.listdir("/tmp"))

    def accepted(self) -> int:
        count = 0
        for sock in self.listeners:
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
        return count

    def close(self) -> None:
        for sock in self.listeners:
            sock.close()


@pytest.fixture
def host(pool: SandboxPool) -> Iterator[HostWatch]:
    """Yields the watch; afterwards checks the host is unharmed: no connection reached a
    listener, nothing new in /tmp, no process left, the pool still judging."""
    watch = HostWatch()
    try:
        yield watch
        assert watch.accepted() == 0, "a sandboxed program connected to the host"
        new_tmp = set(os.listdir("/tmp")) - watch.tmp_before
        assert not [n for n in new_tmp if n.startswith("pwned")], f"wrote to host /tmp: {new_tmp}"
        deadline = time.monotonic() + 2
        while stray_processes(pool) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stray_processes(pool) == [], "a program left a process behind"
        assert judge_ok(pool), "the pool stopped judging"
    finally:
        watch.close()


def judge_ok(pool: SandboxPool) -> bool:
    result = pool.judge(
        JudgeRequest(
            program="def f(x):\n    return x + 1\n", entry_point="f", cases=[{"args": [1], "expected": 2}]
        )
    )
    return result.passed


CHECK = "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6\n"
CASES = [{"args": [1], "expected": 2}, {"args": [5], "expected": 6}]


def both_modes(
    pool: SandboxPool, program: str, timeout_s: float = 5.0, memory_mb: int = 512
) -> dict[str, JudgeResult]:
    """Judge ``program`` (entry point ``f``, which should add 1) against native cases and
    against an assert-style test, in one batch."""
    results = pool.judge_batch(
        [
            JudgeRequest(
                program=program,
                entry_point="f",
                cases=CASES,
                timeout_s=timeout_s,
                memory_mb=memory_mb,
                id="cases",
            ),
            JudgeRequest(
                program=program,
                entry_point="f",
                test=CHECK,
                timeout_s=timeout_s,
                memory_mb=memory_mb,
                id="test",
            ),
        ]
    )
    return {r.id or "": r for r in results}


def run_cli(*args: str, timeout: float = 300) -> Any:
    """``python -m sandbox ...`` as a real subprocess of this interpreter."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
