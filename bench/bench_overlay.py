"""The overlay page (``/runs/overlay/``) with realistic data: server time, SQL queries and
bytes of the overlay of 20 GRPO runs × 3,000 steps (nine metrics a step, as a GRPO run logs
them, and one ``metrics`` event a step for wall time), beside a baseline measured in the same
run: the overlay of 3 such runs, and one run's own page (which draws its 3,000 steps unthinned).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atomlab .venv/bin/python bench/bench_overlay.py

It creates its own scratch database (``atomlab_bench_overlay`` on the server of
``DATABASE_URL``), migrates it, seeds it with bulk inserts, measures with bench_web's
``_measure`` (Django test Client as a logged-in researcher, DEBUG off, median of
``--requests`` after warm-up) and drops it. Prints a table and writes ``var/bench/overlay.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_web  # its scratch-database helpers and the measurement

REPO = bench_web.REPO
OUT = REPO / "var" / "bench" / "overlay.json"
bench_web.SCRATCH_DB = "atomlab_bench_overlay"
METRICS = (
    "loss",
    "learning_rate",
    "reward",
    "kl",
    "completion_length",
    "rollouts/passed",
    "rollouts/wrong_answer",
    "rollouts/runtime_error",
    "rollouts/timeout",
)


def _seed(count: int, steps: int, start: int) -> None:
    """``count`` finished GRPO runs tagged ``bench``, ``steps`` steps each."""
    from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot
    from webapp.training.models import MetricPoint, RunEvent, TrainingRun

    for i in range(start, start + count):
        mixture = Mixture.objects.create(name=f"bench-{i}")
        version = MixtureVersion.objects.create(mixture=mixture, number=1)
        sha = f"{i:04d}" + "cd" * 30
        snapshot = Snapshot.objects.create(
            version=version, sha256=sha, recipe={}, path=f"{sha}.jsonl", size_bytes=1, rows=1
        )
        run = TrainingRun.objects.create(
            method="grpo", model="default", train_snapshot=snapshot, status="succeeded",
            step=steps, max_steps=steps, tags=["bench"], group=f"lr-{i % 4}",
        )  # fmt: skip
        points = [
            MetricPoint(run=run, name=name, step=s, value=math.sin(s / 50 + i + k) / (1 + s / 500))
            for s in range(1, steps + 1)
            for k, name in enumerate(METRICS)
        ]
        MetricPoint.objects.bulk_create(points, batch_size=10000)
        events = [RunEvent(run=run, seq=1, type="started", step=0, payload={}, timestamp=1e9)]
        events += [
            RunEvent(run=run, seq=s + 1, type="metrics", step=s, payload={}, timestamp=1e9 + 4.0 * s)
            for s in range(1, steps + 1)
        ]
        RunEvent.objects.bulk_create(events, batch_size=10000)


def _measure_all(args: argparse.Namespace, maintenance: str) -> list[dict[str, Any]]:
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from webapp.accounts.models import User
    from webapp.training.models import MetricPoint, TrainingRun

    results: list[dict[str, Any]] = []
    try:
        call_command("migrate", verbosity=0)
        client = Client()
        client.force_login(User.objects.create_user("bench", password="x", role="researcher"))
        have = 0
        for size in (args.baseline, args.runs):
            started = time.perf_counter()
            _seed(size - have, args.steps, have)
            have = size
            with connections["default"].cursor() as cur:
                cur.execute("ANALYZE")
            points = MetricPoint.objects.count()
            print(
                f"seeded {size} runs × {args.steps} steps ({points} points)"
                f" in {time.perf_counter() - started:.0f} s"
            )
            first = TrainingRun.objects.order_by("pk").first()
            assert first is not None
            pages = [(f"overlay of {size} runs", "/runs/overlay/?tag=bench")]
            if size == args.baseline:
                pages.append(("one run's page (baseline)", f"/runs/{first.pk}/"))
            for name, url in pages:
                results.append(
                    {
                        "page": name,
                        "runs": size,
                        "points": points,
                        **bench_web._measure(client, url, args.requests),
                    }
                )
    finally:
        connections.close_all()
        bench_web._recreate(maintenance, drop_only=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=7)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
    scratch, maintenance = bench_web._scratch_url(base)
    bench_web._recreate(maintenance)
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("ATOMLAB_ENV", "test")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    results = _measure_all(args, maintenance)
    print(f"\nmedian server time over {args.requests} requests (Django test Client, DEBUG off)")
    print(f"{'page':<28} {'points stored':>13} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'KiB':>7}")
    for r in results:
        print(
            f"{r['page']:<28} {r['points']:>13} {r['median_ms']:>10.1f} {r['p90_ms']:>8.1f} "
            f"{r['queries']:>8} {r['bytes'] / 1024:>7.0f}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    summary = {"benchmark": "overlay", "python": platform.python_version(), "cpus": os.cpu_count()}
    OUT.write_text(json.dumps({**summary, "steps": args.steps, "results": results}, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
