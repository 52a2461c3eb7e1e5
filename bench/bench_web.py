"""Evaluation pages benchmark: server time and SQL queries of the pass@k table, the
comparison page and the generation browser with 200 runs, 5 suites and 100,000 judged
generations (each with 3 case outcomes), beside a baseline of 20 runs (10,000 generations)
measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atomlab .venv/bin/python bench/bench_web.py

``make bench-web`` runs it against the test services. It creates its own scratch database
(``atomlab_bench_web`` on the server of ``DATABASE_URL``), migrates it, seeds it with bulk
inserts, measures, and drops it. Each page is requested through Django's test Client as a
logged-in researcher with DEBUG off: the time is the server's whole handling of the request,
median of ``--requests`` after warm-up; queries are counted with an execute wrapper around
one request. Prints a table and writes ``var/bench/web.json``.

Seeding computes every run's scores with the product's own ``scores_compute`` (with 200
bootstrap resamples instead of 2,000, to keep seeding short; pages read the stored rows and
never resample, so this changes nothing they do).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "var" / "bench" / "web.json"
SCRATCH_DB = "atomlab_bench_web"
TARGET_MS = 300.0
SUITES = 5
PROBLEMS_PER_SUITE = 20
SAMPLES = 5  # n: runs × suites × problems × samples = generations
CASES = 3
CATEGORIES = ["wrong_answer", "runtime_error", "syntax_error", "timeout", "tampering"]
TOPICS = ["lists", "strings", "math", "bits", "dicts"]


def _scratch_url(base: str) -> tuple[str, str]:
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL for this benchmark, not {parts.scheme!r}")
    return urlunsplit(parts._replace(path=f"/{SCRATCH_DB}")), urlunsplit(parts._replace(path="/postgres"))


def _recreate(maintenance_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')


def _suites() -> list[Any]:
    from webapp.evaluation.models import SuiteProblem
    from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot

    snapshots = []
    for s in range(SUITES):
        mixture = Mixture.objects.create(name=f"eval-suite-{s}")
        version = MixtureVersion.objects.create(
            mixture=mixture, number=1, seed=0, tokenizer="whitespace", items=[]
        )
        sha = f"{s:02d}" + "ab" * 31
        snapshots.append(
            Snapshot.objects.create(
                sha256=sha,
                version=version,
                recipe={"name": mixture.name, "version": 1},
                path=f"snapshots/{sha}.jsonl",
                size_bytes=1,
                rows=PROBLEMS_PER_SUITE,
            )
        )
        SuiteProblem.objects.bulk_create(
            SuiteProblem(
                snapshot=snapshots[-1],
                task_id=f"composite/B/{s}{p:05d}",
                source="composite:B",
                topic=TOPICS[p % len(TOPICS)],
                depth=2 + p % 2,
                atoms=[f"atom_{p % 7}", f"atom_{p % 5 + 7}"],
                ref=f"composite:composite/B/{s}{p:05d}",
                tests_version="composite#00000000",
            )
            for p in range(PROBLEMS_PER_SUITE)
        )
    return snapshots


def _generations(run: Any, snapshots: list[Any], rng: random.Random, skill: float, now: Any) -> list[Any]:
    """One run's unsaved generations: ``SAMPLES`` per problem, passing more often on easier
    problems and for a more skilled run."""
    from webapp.evaluation.models import Generation

    completion = "```python\ndef f(xs):\n    return sorted(xs)[::-1]\n```\n" * 3
    gens = []
    for snap in snapshots:
        for p in range(PROBLEMS_PER_SUITE):
            difficulty = (p + 1) / (PROBLEMS_PER_SUITE + 1)
            for i in range(SAMPLES):
                passed = rng.random() < skill * (1 - difficulty) + 0.1
                category = "passed" if passed else rng.choice(CATEGORIES)
                gens.append(
                    Generation(
                        run=run,
                        snapshot=snap,
                        task_id=f"composite/B/{snap.sha256[:2].lstrip('0') or '0'}{p:05d}",
                        sample_index=i,
                        prompt="Write f(xs) that ...",
                        completion=completion,
                        code="def f(xs):\n    return sorted(xs)[::-1]\n",
                        prompt_tokens=40,
                        completion_tokens=30,
                        finish_reason="stop",
                        verdict="passed" if passed else "failed",
                        passed=passed,
                        category=category,
                        error_type="ZeroDivisionError" if category == "runtime_error" else "",
                        error="" if passed else "1 of 3 cases failed",
                        isolation="namespaces+seccomp+uid+rlimits",
                        tests_version="composite#00000000",
                        judged_at=now,
                        review_label=(
                            rng.choice(["wrong_test", "model_error"]) if rng.random() < 0.002 else ""
                        ),
                    )
                )
    return gens


def _case_outcomes(gens: list[Any]) -> None:
    """``CASES`` stored outcomes per generation (the first case fails for a failed one)."""
    from webapp.evaluation.models import CaseOutcome

    CaseOutcome.objects.bulk_create(
        (
            CaseOutcome(
                generation=g,
                index=c,
                input=[[3, 1, 2]],
                expected=[3, 2, 1],
                got=[3, 2, 1] if g.passed or c else [1, 2, 3],
                passed=bool(g.passed or c),
            )
            for g in gens
            for c in range(CASES)
        ),
        batch_size=5000,
    )


def _seed_runs(count: int, snapshots: list[Any], rng: random.Random) -> None:
    """``count`` more judged runs, each on every suite: generations, outcomes, scores."""
    from django.utils import timezone

    from webapp.core.models import JobStatus
    from webapp.core.protocol import Protocol
    from webapp.evaluation import services
    from webapp.evaluation.models import EvalRun, Generation, Phase

    services.SCORE_RESAMPLES = 200
    protocol = Protocol(n=SAMPLES, ks=(1, 5))
    now = timezone.now()
    for _ in range(count):
        skill = rng.random()
        run = EvalRun.objects.create(
            model=rng.choice(["default", "run:1", "run:2", "/models/base"]),
            protocol=protocol.to_dict(),
            protocol_hash=protocol.comparable_hash,
            status=JobStatus.SUCCEEDED,
            phase=Phase.DONE,
            generations_uri="bench",
            finished_at=now,
        )
        run.snapshots.set(snapshots)
        gens = _generations(run, snapshots, rng, skill, now)
        _case_outcomes(Generation.objects.bulk_create(gens, batch_size=5000))
        services.scores_compute(run)


def _measure(client: Any, url: str, requests: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    sql: list[str] = []

    def count(execute: Any, query: str, params: Any, many: bool, context: Any) -> Any:
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 2),
        "queries": len(sql),
        "bytes": len(response.content),
    }


def _pages() -> list[tuple[str, str]]:
    from webapp.evaluation.models import EvalRun, Generation
    from webapp.mixtures.models import Snapshot

    first, second = EvalRun.objects.order_by("pk")[:2]
    snap = Snapshot.objects.order_by("pk").first()
    assert snap is not None
    g = Generation.objects.filter(run=second, passed=False).order_by("pk").first()
    assert g is not None
    return [
        ("pass@k table", "/evaluations/table/"),
        ("pass@k table, sorted by a column", f"/evaluations/table/?sort=-s{snap.pk}k1"),
        ("comparison", f"/evaluations/compare/?a={first.pk}&b={second.pk}&snapshot={snap.pk}&k=1"),
        ("generations, first page", "/evaluations/generations/"),
        ("generations, filtered", f"/evaluations/generations/?run={second.pk}&category=wrong_answer"),
        ("generations, labelled", "/evaluations/generations/?label=wrong_test"),
        (
            "one problem's samples",
            f"/evaluations/generations/?run={second.pk}&snapshot={snap.pk}&task={g.task_id}",
        ),
        ("generation detail", f"/evaluations/generations/{g.pk}/"),
    ]


def _measure_pages(
    args: argparse.Namespace, maintenance: str
) -> tuple[list[dict[str, Any]], dict[int, float]]:
    """Seed the baseline's runs, measure every page, seed up to ``--runs``, measure again;
    the scratch database is dropped whatever happens."""
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from webapp.accounts.models import User
    from webapp.evaluation.models import CaseOutcome, Generation

    rng = random.Random(0)
    results: list[dict[str, Any]] = []
    seed_s: dict[int, float] = {}
    try:
        call_command("migrate", verbosity=0)
        user = User.objects.create_user("bench", password="x", role="researcher")
        client = Client()
        client.force_login(user)
        snapshots = _suites()
        have = 0
        for size in (args.baseline, args.runs):
            start = time.perf_counter()
            _seed_runs(size - have, snapshots, rng)
            seed_s[size] = round(time.perf_counter() - start, 1)
            have = size
            with connections["default"].cursor() as cur:
                cur.execute("ANALYZE")
            gens, outcomes = Generation.objects.count(), CaseOutcome.objects.count()
            print(f"seeded {size} runs: {gens} generations, {outcomes} case outcomes in {seed_s[size]} s")
            for name, url in _pages():
                results.append(
                    {
                        "runs": size,
                        "generations": gens,
                        "page": name,
                        "url": url,
                        **_measure(client, url, args.requests),
                    }
                )
    finally:
        connections.close_all()
        _recreate(maintenance, drop_only=True)
    return results, seed_s


def _report(args: argparse.Namespace, results: list[dict[str, Any]]) -> tuple[float, bool]:
    """Print the table; the slowest median at full size and whether query counts stayed bounded."""
    print(
        f"\nEvaluation pages: median server time over {args.requests} requests "
        "(Django test Client, DEBUG off)"
    )
    head = f"{'page':<34} {'runs':>5} {'generations':>11} {'median ms':>10} {'p90 ms':>8} {'queries':>8}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['page']:<34} {r['runs']:>5} {r['generations']:>11} {r['median_ms']:>10.1f} "
            f"{r['p90_ms']:>8.1f} {r['queries']:>8}"
        )
    by_page: dict[str, dict[int, dict[str, Any]]] = {}
    for r in results:
        by_page.setdefault(r["page"], {})[r["runs"]] = r
    bounded = all(p[args.baseline]["queries"] == p[args.runs]["queries"] for p in by_page.values())
    worst = max(r["median_ms"] for r in results if r["runs"] == args.runs)
    print(
        f"\nslowest median at {args.runs} runs: {worst:.1f} ms (target < {TARGET_MS:.0f} ms): "
        f"{'OK' if worst < TARGET_MS else 'OVER'}"
    )
    print(f"query count the same at {args.baseline} and {args.runs} runs: {'yes' if bounded else 'NO'}")
    return worst, bounded


def _write(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    seed_s: dict[int, float],
    worst: float,
    bounded: bool,
) -> None:
    """The JSON result under ``var/bench/``."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "benchmark": "web",
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "target_ms": TARGET_MS,
                "baseline_runs": args.baseline,
                "runs": args.runs,
                "seed_seconds": seed_s,
                "slowest_median_ms": worst,
                "queries_bounded": bounded,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=20)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
    scratch, maintenance = _scratch_url(base)
    _recreate(maintenance)
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("ATOMLAB_ENV", "test")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

    import django

    django.setup()
    results, seed_s = _measure_pages(args, maintenance)
    worst, bounded = _report(args, results)
    _write(args, results, seed_s, worst, bounded)


if __name__ == "__main__":
    main()
