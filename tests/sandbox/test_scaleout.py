"""Several sandbox services behind one ``SANDBOX_URL``: real ``python -m sandbox serve``
processes on free loopback ports, one killed with SIGKILL in the middle of a batch, one kept
busy so that it answers 503, and none answering at all."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any

import pytest

from sandbox import JudgeRequest, JudgeResult, SandboxClient
from sandbox.client import SandboxError, parse_urls

from .test_service_limits import GOOD, free_port, get_health, post, service

#: Slow enough (0.3 s each) that a batch is still going when a service is killed.
SLOW = (
    "import time\n"
    "def f(x):\n"
    "    time.sleep(0.3)\n"
    "    if x % 7 == 3:\n"
    "        raise ValueError(x)\n"
    "    return x * 2 + (x % 5 == 0)\n"
)


def slow_batch(n: int) -> list[JudgeRequest]:
    """``n`` programs with ids ``p0``…; some pass, some give a wrong answer, some raise."""
    return [
        JudgeRequest(program=SLOW, entry_point="f", cases=[{"args": [i], "expected": 2 * i}], id=f"p{i}")
        for i in range(n)
    ]


def verdicts(results: list[JudgeResult]) -> list[tuple[Any, ...]]:
    """What a caller counts: each result's id, verdict, error and what the program returned."""
    return [(r.id, str(r.verdict), r.passed, r.error, [c.got for c in r.cases]) for r in results]


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.02)


def test_parse_urls_takes_a_comma_separated_list() -> None:
    assert parse_urls(" http://a:1/, http://b:2 ,,") == ["http://a:1", "http://b:2"]
    assert parse_urls(None) == [] and parse_urls("") == []
    assert SandboxClient(url="http://a:1/,http://b:2").url == "http://a:1,http://b:2"


def test_a_service_killed_mid_batch_loses_no_verdict_and_counts_none_twice() -> None:
    requests = slow_batch(24)
    with service() as (url_a, proc_a), service() as (url_b, _):
        expected = verdicts(SandboxClient(url=url_b, chunk=2).judge_batch(requests))
        assert {v[1] for v in expected} >= {"passed", "failed", "error"}, expected
        client = SandboxClient(url=f"{url_a},{url_b}", chunk=2, per_service=1)
        got: list[list[JudgeResult]] = []
        batch = threading.Thread(target=lambda: got.append(client.judge_batch(requests)))
        batch.start()
        # Kill A while it holds a sub-batch, after it has answered at least one.
        a = client.services[0]
        wait_for(lambda: a.answered >= 1 and a.outstanding == 1, 60, "service A to be mid-batch")
        workers = children(proc_a.pid)
        os.kill(proc_a.pid, signal.SIGKILL)
        batch.join(180)
        assert not batch.is_alive(), "the batch never finished after a service died"
        stats = {s["url"]: s for s in client.stats()}
        assert stats[url_a]["failures"] >= 1, stats  # the kill did hit the batch
        assert stats[url_a]["answered"] >= 1 and stats[url_b]["answered"] >= 1, stats
        [results] = got
        assert [r.id for r in results] == [r.id for r in requests]  # each exactly once, in order
        assert verdicts(results) == expected
        # The dead service's workers follow it (their pipe to it closed).
        wait_for(
            lambda: not any(os.path.exists(f"/proc/{w}/status") and _running(w) for w in workers),
            30,
            "A's workers to exit",
        )


def _running(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as fh:
        return "\nState:\tZ" not in fh.read()


def test_a_503_from_one_service_is_sent_to_the_other() -> None:
    sleeper = {
        "program": "import time\ndef f():\n    time.sleep(8)\n    return 1\n",
        "entry_point": "f",
        "cases": [{"args": [], "expected": 1}],
    }
    with service("--max-inflight", "1", "--max-queued", "1") as (url_a, _), service() as (url_b, _):
        fillers = [
            threading.Thread(target=post, args=(url_a, json.dumps([sleeper]).encode())) for _ in range(2)
        ]
        for thread in fillers:
            thread.start()
        wait_for(lambda: get_health(url_a)["admitted"] >= 2, 30, "A to be full (one judging, one queued)")
        client = SandboxClient(url=f"{url_a},{url_b}")  # the first batch goes to A first
        [result] = client.judge_batch([JudgeRequest(**GOOD, id="x")])
        assert result.passed and result.id == "x"
        a, b = client.stats()
        assert a["failures"] == 1 and "HTTP 503" in a["last_error"] and a["answered"] == 0, a
        assert b["answered"] == 1 and b["failures"] == 0, b
        for thread in fillers:
            thread.join(60)


def test_with_every_service_down_the_error_names_each_address_and_why() -> None:
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    client = SandboxClient(url=",".join(urls), timeout_s=5)
    with pytest.raises(SandboxError) as caught:
        client.judge_batch([GOOD])
    message = str(caught.value)
    assert message.startswith("every sandbox service failed (2 tried): ")
    for url in urls:
        assert f"sandbox service at {url} unreachable: [Errno 111] Connection refused" in message
    with pytest.raises(SandboxError, match="every sandbox service failed"):
        client.health()


def test_health_of_two_services_with_one_down_is_degraded_but_ok() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with service() as (url, _):
        health = SandboxClient(url=f"{url},{dead}", timeout_s=5).health()
    assert (health["ok"], health["status"], health["workers"]) == (True, "degraded", 1)
    assert [s["url"] for s in health["services"]] == [url, dead]
    assert "unreachable" in health["services"][1]["error"]
