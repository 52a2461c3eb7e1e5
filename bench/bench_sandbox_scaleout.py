"""Sandbox scale-out benchmark: the same batches judged through one sandbox service and
through two (``SANDBOX_URL`` with two addresses), each service ``python -m sandbox serve``
with one worker, all started once from this checkout. Runs alternate one, two, one, two…
(the baseline, one service, first), so a machine whose speed drifts moves both alike; the
figures are medians over the runs. Every run's verdicts must equal the first run's.

    .venv/bin/python bench/bench_sandbox_scaleout.py [--runs 5] [--batches 4]

Each run judges ``--batches`` GRPO-sized batches (``bench_sandbox.grpo_batch``: 64
completions x 10 native cases) as one ``judge_batch`` call. Prints a table, the load average
(the machine may be shared), and writes the figures to ``var/bench/sandbox_scaleout.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import select
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_sandbox import grpo_batch  # noqa: E402
from sandbox import JudgeRequest, SandboxClient  # noqa: E402

OUT = REPO / "var" / "bench" / "sandbox_scaleout.json"


@contextlib.contextmanager
def services(count: int) -> Iterator[list[str]]:
    """``count`` sandbox services (one worker each) on free loopback ports; their URLs."""
    procs: list[subprocess.Popen[str]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    try:
        urls = []
        for _ in range(count):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            command = [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--workers", "1"]
            proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
            procs.append(proc)
            assert proc.stdout is not None
            if not select.select([proc.stdout], [], [], 60)[0]:
                raise SystemExit("a sandbox service did not start within 60 s")
            urls.append(json.loads(proc.stdout.readline())["listening"])
        yield urls
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


def workload(batches: int) -> list[JudgeRequest]:
    """``batches`` GRPO-sized batches with ids unique across them."""
    return [dataclasses.replace(r, id=f"b{b}/{r.id}") for b in range(batches) for r in grpo_batch()]


def one_run(url: str, requests: list[JudgeRequest]) -> tuple[float, list[tuple[Any, ...]]]:
    """Seconds to judge ``requests`` through a fresh client on ``url``, and the verdicts."""
    client = SandboxClient(url=url)
    started = time.perf_counter()
    results = client.judge_batch(requests)
    elapsed = time.perf_counter() - started
    return elapsed, [(r.id, str(r.verdict), [c.got for c in r.cases]) for r in results]


def measure(urls: list[str], requests: list[JudgeRequest], runs: int) -> dict[str, list[float]]:
    """Alternating runs through one service and through both; each run's seconds."""
    configs = {"one service": urls[0], "two services": ",".join(urls)}
    seconds: dict[str, list[float]] = {name: [] for name in configs}
    first: list[tuple[Any, ...]] | None = None
    one_run(configs["two services"], requests)  # warm-up: every worker has forked once
    for _ in range(runs):
        for name, url in configs.items():  # the baseline (one service) first
            elapsed, verdicts = one_run(url, requests)
            first = first or verdicts
            if verdicts != first:
                raise SystemExit(f"{name}: the verdicts differ from the first run's")
            seconds[name].append(elapsed)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=4, help="GRPO-sized batches (64 programs) per run")
    args = parser.parse_args()
    requests = workload(args.batches)
    load_before = os.getloadavg()
    with services(2) as urls:
        seconds = measure(urls, requests, args.runs)
    load_after = os.getloadavg()
    n = len(requests)
    rows = {
        name: {
            "median_s": statistics.median(values),
            "median_cases_per_s": n / statistics.median(values),
            "runs_s": [round(v, 3) for v in values],
        }
        for name, values in seconds.items()
    }
    speedup = rows["one service"]["median_s"] / rows["two services"]["median_s"]
    figures = {
        "programs_per_run": n,
        "runs": args.runs,
        "workers_per_service": 1,
        "speedup_two_over_one": speedup,
        "rows": rows,
        "cpus": os.cpu_count(),
        "loadavg_1m_before_after": [load_before[0], load_after[0]],
        "python": platform.python_version(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2))
    print(f"{n} programs per run (GRPO-sized batches, 10 cases each), {args.runs} runs, 1 worker per service")
    print(f"{'':14} {'median s':>9} {'programs/s':>11}  runs (s)")
    for name, row in rows.items():
        print(f"{name:14} {row['median_s']:9.2f} {row['median_cases_per_s']:11.1f}  {row['runs_s']}")
    print(f"two services / one service: {speedup:.2f}x throughput")
    print(
        f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
