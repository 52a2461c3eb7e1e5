"""This app's entries in the problem-source registry (``webapp.core.problems``).

- ``benchmark:<name>``: an imported HumanEval-format benchmark, each problem made a record
  by :func:`webapp.mixtures.benchmarks.benchmark_record`. English only.
- ``snapshot:<sha256>``: the rows of a frozen snapshot (a unique prefix of the hash works).
"""

from __future__ import annotations

from collections.abc import Iterator

from training_worker.contracts import ProblemRecord
from webapp.core.problems import records_from
from webapp.mixtures.benchmarks import FIELDS, benchmark_record
from webapp.mixtures.models import Benchmark, Snapshot
from webapp.mixtures.storage import read_snapshot

BENCHMARK_PREFIX = "benchmark:"
SNAPSHOT_PREFIX = "snapshot:"


class BenchmarkProblems:
    """``benchmark:<name>`` for every imported benchmark."""

    claims: tuple[str, ...] = (BENCHMARK_PREFIX,)

    def names(self) -> list[str]:
        return [f"{BENCHMARK_PREFIX}{n}" for n in Benchmark.objects.values_list("name", flat=True)]

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[ProblemRecord]:
        short = name.removeprefix(BENCHMARK_PREFIX)
        benchmark = Benchmark.objects.filter(name=short).first()
        if benchmark is None:
            raise ValueError(f"no benchmark named {short!r}; import one with import_benchmark")
        if lang not in (None, "en"):
            raise ValueError(f"{name} is English only; ask for lang en or as authored")
        return records_from(
            benchmark.problems.order_by("position").iterator(),
            lambda p: benchmark_record(short, **{f: getattr(p, f) for f in FIELDS}),
        )


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
    ) -> Iterator[ProblemRecord]:
        snapshot = snapshot_by_hash(name.removeprefix(SNAPSHOT_PREFIX))
        return (r for r in read_snapshot(snapshot.sha256) if lang is None or r.lang == lang)
