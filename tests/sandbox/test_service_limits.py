"""The sandbox service against callers who are careless or hostile: no token, limits of
their own choosing, 50 connections at once, a body that never arrives, JSON nested 100,000
deep, a dead worker. Every test starts a real ``python -m sandbox serve`` process and talks
to it over real sockets."""

from __future__ import annotations

import contextlib
import http.client
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

from sandbox import JudgeRequest, SandboxClient
from sandbox.client import SandboxError

from .conftest import REPO

TOKEN = "s3cret-token-for-the-sandbox-tests"
GOOD: dict[str, Any] = {
    "program": "def f(x):\n    return x * 2\n",
    "entry_point": "f",
    "cases": [{"args": [2], "expected": 4}],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def service(*args: str, token: str = "", workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real service process on a free loopback port; yields its URL and the process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    if token:
        env["SANDBOX_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--workers", str(workers), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        assert readable, "the service did not start within 60 s"
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        ready = json.loads(line)
        yield ready["listening"], proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def post(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, Any]:
    """One POST to /v1/judge_batch on a fresh connection: (status, decoded JSON)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(
            "POST",
            "/v1/judge_batch",
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def read_to_close(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def get_health(url: str) -> dict[str, Any]:
    return SandboxClient(url=url, timeout_s=10).health()


# --- the token --------------------------------------------------------------------------------


def test_with_a_token_set_a_batch_without_it_is_refused_and_with_it_judged() -> None:
    with service(token=TOKEN) as (url, _):
        body = json.dumps([GOOD]).encode()
        status, data = post(url, body)
        assert status == 401
        assert "Authorization: Bearer" in data["error"]
        status, _ = post(url, body, {"Authorization": "Bearer wrong-token-of-some-length"})
        assert status == 401
        assert SandboxClient(url=url, token=TOKEN).judge(GOOD).passed
        with pytest.raises(SandboxError, match="HTTP 401"):
            SandboxClient(url=url, token="").judge(GOOD)
        assert get_health(url)["auth"] is True  # /health stays open for load balancers


def test_the_client_takes_the_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with service(token=TOKEN) as (url, _):
        monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
        assert SandboxClient(url=url).judge(GOOD).passed


def test_the_service_refuses_to_listen_beyond_loopback_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sandbox: configuration error: refusing to listen on 0.0.0.0 without SANDBOX_TOKEN; set it "
        "(callers send Authorization: Bearer <token>) or listen on 127.0.0.1"
    ]
    assert result.stdout == ""  # it never said it was listening


# --- the caller's limits ----------------------------------------------------------------------


def test_a_caller_cannot_raise_memory_or_time_past_the_server_maximum() -> None:
    greedy = {
        "program": "def f():\n    block = bytearray(600 * 1024 * 1024)\n    return len(block)\n",
        "entry_point": "f",
        "cases": [{"args": [], "expected": 600 * 1024 * 1024}],
        "memory_mb": 65536,
    }
    slow = {
        "program": "def f():\n    while True:\n        pass\n",
        "entry_point": "f",
        "cases": [{"args": [], "expected": 1}],
        "timeout_s": 600,
    }
    with service("--max-memory", "256", "--max-timeout", "2") as (url, _):
        started = time.monotonic()
        status, results = post(url, json.dumps([greedy, slow]).encode())
        elapsed = time.monotonic() - started
    assert status == 200
    assert results[0]["verdict"] in ("error", "crashed"), results[0]  # MemoryError, not 600 MB
    assert "MemoryError" in json.dumps(results[0]) or results[0]["verdict"] == "crashed"
    assert results[1]["verdict"] == "timeout"
    assert elapsed < 30, f"a 600 s request held the service for {elapsed:.1f} s"


def test_a_batch_with_too_many_cases_is_refused_with_the_maximum() -> None:
    with service() as (url, _):
        many = {**GOOD, "cases": [{"args": [1], "expected": 2}] * 1001}
        status, data = post(url, json.dumps([many]).encode())
    assert status == 400
    assert data["error"] == "a program may have at most 1000 cases, not 1001"


# --- load -------------------------------------------------------------------------------------


def test_fifty_concurrent_posts_are_all_answered_without_a_reset() -> None:
    body = json.dumps([GOOD]).encode()
    outcomes: list[Any] = []
    lock = threading.Lock()
    gate = threading.Barrier(50)

    def one() -> None:
        gate.wait()
        try:
            outcome: Any = post(url, body, timeout=120)[0]
        except OSError as exc:  # ConnectionResetError, BrokenPipeError, RemoteDisconnected
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    with service(workers=2) as (url, _):
        threads = [threading.Thread(target=one) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
    assert sorted(outcomes, key=str) == [200] * 50, outcomes


def test_past_its_queue_the_service_answers_503_at_once_and_the_client_retries() -> None:
    sleeper = {
        "program": "import time\ndef f():\n    time.sleep(6)\n    return 1\n",
        "entry_point": "f",
        "cases": [{"args": [], "expected": 1}],
    }
    with service("--max-inflight", "1", "--max-queued", "1") as (url, _):
        statuses: list[tuple[int, Any]] = []
        threads = [
            threading.Thread(target=lambda: statuses.append(post(url, json.dumps([sleeper]).encode())))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while get_health(url)["admitted"] < 2:  # one judging, one queued
            assert time.monotonic() < deadline, "the two slow batches were never admitted"
            time.sleep(0.05)
        started = time.monotonic()
        status, data = post(url, json.dumps([GOOD]).encode())
        assert time.monotonic() - started < 5, "a full queue must answer at once, not wait"
        assert status == 503
        assert data["error"].startswith("the sandbox is busy")
        # The client backs off and sends the batch again until it is admitted.
        result = SandboxClient(url=url, attempts=8).judge(GOOD)
        assert result.passed
        for thread in threads:
            thread.join(60)
    assert [s for s, _ in statuses] == [200, 200]


def test_the_client_retries_a_batch_whose_connection_was_reset() -> None:
    """A listener that resets the first connection (SO_LINGER 0) and answers the second."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    answer = json.dumps([{"verdict": "passed", "id": "x"}]).encode()
    seen: list[int] = []

    def serve_twice() -> None:
        for n in range(2):
            conn, _ = listener.accept()
            seen.append(n)
            conn.recv(65536)
            if n == 0:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()  # RST
                continue
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(answer)}\r\nConnection: close\r\n\r\n"
            conn.sendall(head.encode() + answer)
            conn.close()

    thread = threading.Thread(target=serve_twice, daemon=True)
    thread.start()
    try:
        [result] = SandboxClient(url=f"http://127.0.0.1:{port}").judge_batch([JudgeRequest(**GOOD, id="x")])
    finally:
        thread.join(10)
        listener.close()
    assert result.passed and seen == [0, 1]


# --- slow and hostile bodies ------------------------------------------------------------------


def test_a_request_whose_body_never_arrives_times_out() -> None:
    with service("--read-timeout", "2") as (url, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"POST /v1/judge_batch HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[")
            started = time.monotonic()
            reply = read_to_close(sock)
            waited = time.monotonic() - started
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert b"did not arrive within 2 s" in reply
        assert waited < 15
        # A body trickled one byte a second is cut off by the same deadline.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"POST /v1/judge_batch HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            started = time.monotonic()
            reply = b""
            while not reply and time.monotonic() - started < 15:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")
                readable, _, _ = select.select([sock], [], [], 1)
                if readable:
                    reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert SandboxClient(url=url).judge(GOOD).passed  # and it still serves others


def test_json_nested_100000_deep_is_a_400_naming_the_line_not_a_dropped_connection() -> None:
    with service() as (url, _):
        status, data = post(url, b"[" * 100_000 + b"]" * 100_000)
        assert status == 400
        assert data["error"] == "line 1, column 101: JSON nested deeper than 100 levels"
        nested = {**GOOD, "cases": [{"args": [json.loads("[" * 150 + "]" * 150)], "expected": 1}]}
        status, data = post(url, json.dumps([nested], indent=1).encode())
        assert status == 400 and data["error"].startswith("line ")
        assert SandboxClient(url=url).judge(GOOD).passed


# --- health -----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def test_health_reports_a_dead_worker_as_degraded() -> None:
    with service(workers=2) as (url, proc):
        health = get_health(url)
        assert (health["ok"], health["status"], health["workers_alive"]) == (True, "ok", 2)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while get_health(url)["workers_alive"] == 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        health = get_health(url)
        assert (health["ok"], health["status"], health["workers_alive"]) == (False, "degraded", 1)
        # Judging goes on: the dead worker's slot starts a new one when it next has work.
        client = SandboxClient(url=url)
        assert all(r.passed for r in client.judge_batch([GOOD] * 6))
