"""Synthesis benchmark: validated composites per second for depth 2-3 and the time to build
pools A=1000, B=300, C=300 from the real atom library, judged by the real sandbox pool
(2 workers, full isolation), beside a baseline measured in the same run: the same
synthesis with every composite judged by its own sandbox call (no batching, so at most one
worker is busy at a time).

    .venv/bin/python bench/bench_synthesis.py [--runs 3] [--baseline-runs 3] [--pools A=1000,B=300,C=300]

Nothing is stored (the pipeline is pure), so no database is needed. Prints a table and
writes the figures to ``var/bench/synthesis.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import JudgeRequest, JudgeResult, SandboxClient  # noqa: E402
from webapp.atoms.library import load_library  # noqa: E402
from webapp.synthesis.pipeline import SynthesisConfig, SynthesisResult, atoms_from_specs, synthesize  # noqa: E402
from webapp.synthesis.pipeline.params import parse_pools  # noqa: E402

OUT = REPO / "var" / "bench" / "synthesis.json"
WORKERS = 2


def _digest(result: SynthesisResult) -> str:
    """Identifies the pools a run built (keys, chains, solutions, cases)."""
    h = hashlib.sha256()
    for c in result.composites:
        h.update(json.dumps([c.key, c.atoms, c.solution, c.cases], sort_keys=True).encode())
    return h.hexdigest()[:16]


def _measure(label: str, runs: int, config: SynthesisConfig, judge: Any, atoms: Any) -> dict[str, Any]:
    times: list[float] = []
    digests: list[str] = []
    last: SynthesisResult | None = None
    for i in range(runs):
        started = time.perf_counter()
        last = synthesize(atoms, config, judge)
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        digests.append(_digest(last))
        print(f"  {label} run {i + 1}/{runs}: {elapsed:.2f} s, {len(last.composites)} valid", flush=True)
    assert last is not None
    valid = len(last.composites)
    median = statistics.median(times)
    return {
        "label": label,
        "runs_s": [round(t, 3) for t in times],
        "median_s": round(median, 3),
        "valid": valid,
        "valid_per_s": round(valid / median, 1),
        "candidates_judged": last.counters["generated"]
        - sum(v for k, v in last.counters.items() if k in _UNJUDGED),
        "counters": last.counters,
        "shortfall": last.shortfall,
        "identical_across_runs": len(set(digests)) == 1,
        "digest": digests[-1],
    }


_UNJUDGED = ("rejected: no_type_match", "rejected: too_many_params", "rejected: duplicate_chain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--pools", default="A=1000,B=300,C=300")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    atoms = atoms_from_specs(load_library())
    config = SynthesisConfig(pools=parse_pools(args.pools), depth=(2, 3), seed=args.seed)
    client = SandboxClient(workers=WORKERS)
    health = client.health()
    client.judge(JudgeRequest(program="def f():\n    return 1\n", entry_point="f"))  # warm the pool

    def one_at_a_time(requests: list[JudgeRequest]) -> list[JudgeResult]:
        return [client.judge(r) for r in requests]

    print(
        f"synthesis benchmark: pools {args.pools}, depth 2-3, "
        f"{WORKERS} sandbox workers, {os.cpu_count()} cores"
    )
    batched = _measure("batched", args.runs, config, client.judge_batch, atoms)
    baseline = _measure("one call per composite", args.baseline_runs, config, one_at_a_time, atoms)
    client.close()

    report = {
        "benchmark": "synthesis",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "sandbox": {"workers": WORKERS, "isolation": health.get("isolation")},
        "config": config.as_params(),
        "atoms": len(atoms),
        "target_valid_per_s": 50,
        "batched": batched,
        "baseline_one_call_per_composite": baseline,
        "speedup": round(baseline["median_s"] / batched["median_s"], 2),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")

    print()
    print(f"{'':28} {'median s':>9} {'valid':>6} {'valid/s':>8} {'judged':>7}  runs (s)")
    for row in (batched, baseline):
        print(
            f"{row['label']:28} {row['median_s']:>9.2f} {row['valid']:>6} {row['valid_per_s']:>8.1f} "
            f"{row['candidates_judged']:>7}  {', '.join(f'{t:.2f}' for t in row['runs_s'])}"
        )
    verdict = "meets" if batched["valid_per_s"] >= 50 else "misses"
    print(f"batched is {report['speedup']}x the baseline; {verdict} the target of 50 validated composites/s")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
