"""This app's entries in the problem-source registry (``webapp.core.problems``).

- ``benchmark:<name>``: an imported HumanEval-format benchmark. Record: ``prompt`` is the
  benchmark's prompt, ``solution`` is prompt + canonical solution (a whole program),
  ``test`` is its ``check`` code, ``cases`` is empty; ``meta.original_task_id`` keeps the
  benchmark's own id (``HumanEval/0``). English only.
- ``snapshot:<sha256>``: the rows of a frozen snapshot (a unique prefix of the hash works).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from webapp.mixtures.models import Benchmark, BenchmarkProblem, Snapshot
from webapp.mixtures.storage import read_snapshot

BENCHMARK_PREFIX = "benchmark:"
SNAPSHOT_PREFIX = "snapshot:"
def benchmark_record(benchmark: str, problem: BenchmarkProblem) -> dict[str, Any]:
    """A HumanEval-format problem as a problem record (module docstring)."""
    return {
        "task_id": f"benchmark/{benchmark}/{problem.task_id}",
        "source": "benchmark",
        "pool": None,
        "lang": "en",
        "prompt": problem.prompt,
        "entry_point": problem.entry_point,
        "solution": problem.prompt + problem.canonical_solution,
        "cases": [],
        "test": problem.test,
        "meta": {"benchmark": benchmark, "original_task_id": problem.task_id, "topic": None},
    }


class BenchmarkProblems:
    """``benchmark:<name>`` for every imported benchmark."""

    claims: tuple[str, ...] = (BENCHMARK_PREFIX,)

    def names(self) -> list[str]:
        return [f"{BENCHMARK_PREFIX}{n}" for n in Benchmark.objects.values_list("name", flat=True)]

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[dict[str, Any]]:
        short = name.removeprefix(BENCHMARK_PREFIX)
        benchmark = Benchmark.objects.filter(name=short).first()
        if benchmark is None:
            raise ValueError(f"no benchmark named {short!r}; import one with import_benchmark")
        if lang not in (None, "en"):
            raise ValueError(f"{name} is English only; ask for lang en or as authored")
        return (benchmark_record(short, p) for p in benchmark.problems.order_by("position").iterator())


def snapshot_by_hash(prefix: str) -> Snapshot:
    """The snapshot whose SHA-256 is ``prefix`` or starts with it; a clear ``ValueError``
    when none does or when the prefix fits several different snapshots."""
    prefix = prefix.strip().lower()
    if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
        raise ValueError(f"snapshot hash {prefix!r} must be at least 4 hex digits")
    found = list(Snapshot.objects.filter(sha256__startswith=prefix).order_by("created_at"))
    hashes = {s.sha256 for s in found}
    if not hashes:
        raise ValueError(f"no snapshot hash starts with {prefix}")
    if len(hashes) > 1:
        raise ValueError(f"{prefix} fits {len(hashes)} snapshots; give more digits")
    return found[0]


class SnapshotProblems:
    """``snapshot:<sha256>`` for every frozen snapshot; ``lang`` keeps rows of that language."""

    claims: tuple[str, ...] = (SNAPSHOT_PREFIX,)

    def names(self) -> list[str]:
        hashes = Snapshot.objects.order_by("-created_at").values_list("sha256", flat=True)
        return [f"{SNAPSHOT_PREFIX}{h}" for h in dict.fromkeys(hashes)]

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[dict[str, Any]]:
        snapshot = snapshot_by_hash(name.removeprefix(SNAPSHOT_PREFIX))
        return (r for r in read_snapshot(snapshot.sha256) if lang is None or r.get("lang") == lang)
