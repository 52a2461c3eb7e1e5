"""50 concurrent POSTs of one judge request each against a fresh ``python -m sandbox serve``
(2 workers) started from the checkout REPO; prints how many got each status or error.

    .venv/bin/python bench/load_sandbox_service.py .        # this checkout
    .venv/bin/python bench/load_sandbox_service.py ../main  # another one, to compare

Issue 11 measured 6-26 of 50 connections reset (listen backlog 5); the test
``tests/sandbox/test_service_limits.py::test_fifty_concurrent_posts_are_all_answered_without_a_reset``
asserts none.
"""

from __future__ import annotations

import collections
import http.client
import json
import select
import signal
import socket
import subprocess
import sys
import threading
import time


def main(repo: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--workers", "2"],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    select.select([proc.stdout], [], [], 60)
    proc.stdout.readline()
    body = json.dumps(
        [
            {
                "program": "def f(x):\n    return x * 2\n",
                "entry_point": "f",
                "cases": [{"args": [2], "expected": 4}],
            }
        ]
    ).encode()
    outcomes: collections.Counter[object] = collections.Counter()
    gate = threading.Barrier(50)
    lock = threading.Lock()

    def one() -> None:
        gate.wait()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("POST", "/v1/judge_batch", body=body)
            response = conn.getresponse()
            response.read()
            outcome: object = response.status
        except OSError as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes[outcome] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(dict(outcomes), f"{time.monotonic() - started:.2f} s")
    proc.send_signal(signal.SIGTERM)
    proc.wait()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
