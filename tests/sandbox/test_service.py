"""The three faces beyond the pool itself: the HTTP service with SandboxClient, the local
SandboxClient, and the module-level judge functions; plus the pool's resilience."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import sandbox
from sandbox import JudgeRequest, RequestError, SandboxClient, SandboxPool
from sandbox.client import SandboxError

from .conftest import REPO

GOOD: dict[str, Any] = {
    "program": "def f(x):\n    return x * 2\n",
    "entry_point": "f",
    "cases": [{"args": [2], "expected": 4}],
}
BAD: dict[str, Any] = {
    "program": "def f(x):\n    return x\n",
    "entry_point": "f",
    "test": "def check(candidate):\n    assert candidate(2) == 4\n",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--workers", "1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        assert readable, "the service did not start within 60 s"
        ready = json.loads(proc.stdout.readline())
        assert ready["listening"] == f"http://127.0.0.1:{port}"
        yield ready["listening"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_the_service_judges_a_batch_through_the_client(service: str) -> None:
    client = SandboxClient(url=service)
    results = client.judge_batch([JudgeRequest(**GOOD, id="good"), BAD])
    assert [(r.id, str(r.verdict)) for r in results] == [("good", "passed"), (None, "failed")]
    assert results[0].cases[0].got == 4
    assert results[1].error == "AssertionError at test line 2: assert candidate(2) == 4"
    assert results[0].isolation == "namespaces+seccomp+uid+rlimits"
    assert client.judge(GOOD).passed


def test_the_service_reports_its_health(service: str) -> None:
    health = SandboxClient(url=service).health()
    assert health["ok"] is True and health["workers"] == 1
    assert health["isolation"] == "namespaces+seccomp+uid+rlimits"


def test_the_service_refuses_a_malformed_batch_with_a_reason(service: str) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{service}/v1/judge_batch", method="POST", data=json.dumps([{"program": 1}]).encode()
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400 and b"program must be a string" in caught.value.read()
    with pytest.raises(RequestError, match="unknown field"):  # checked before it is sent
        SandboxClient(url=service).judge_batch([{"program": "x", "tests": "y"}])


def test_an_unreachable_service_is_a_clear_error() -> None:
    with pytest.raises(SandboxError, match="unreachable"):
        SandboxClient(url=f"http://127.0.0.1:{free_port()}", timeout_s=2).health()


def test_the_local_client_starts_its_own_pool_on_first_use() -> None:
    with SandboxClient(workers=1) as client:
        assert client.health()["workers"] == 1
        assert [r.passed for r in client.judge_batch([GOOD, BAD])] == [True, False]
        assert client.judge_batch([]) == []


def test_the_module_level_functions_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    result = sandbox.judge(program=GOOD["program"], entry_point="f", cases=GOOD["cases"])
    assert result.passed
    assert [r.passed for r in sandbox.judge_batch([GOOD, BAD])] == [True, False]


def test_a_killed_worker_is_replaced_and_judging_goes_on() -> None:
    with SandboxPool(1, require_isolation=True) as small:
        assert small.judge(JudgeRequest(**GOOD)).passed
        outer = small.worker_pids()[0]
        os.kill(outer, signal.SIGKILL)
        time.sleep(0.1)
        assert small.judge(JudgeRequest(**GOOD)).passed
        assert outer not in small.worker_pids()


def test_many_threads_can_share_one_pool(pool: SandboxPool) -> None:
    outcomes: list[bool] = []

    def work(i: int) -> None:
        request = JudgeRequest(
            program=f"def f():\n    return {i}\n", entry_point="f", cases=[{"args": [], "expected": i}]
        )
        outcomes.extend(r.passed for r in pool.judge_batch([request] * 5))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 40


def test_a_closed_pool_refuses_new_work() -> None:
    small = SandboxPool(1)
    small.close()
    with pytest.raises(RuntimeError, match="closed"):
        small.judge(JudgeRequest(**GOOD))
