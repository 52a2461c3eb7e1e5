"""Importing HumanEval-format benchmarks as problem sources."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from webapp.accounts.models import User
from webapp.core.access import Action, require
from webapp.mixtures.benchmarks import BenchmarkImportError, benchmark_name_problem, parse_benchmark
from webapp.mixtures.models import Benchmark, BenchmarkProblem, Mixture


@transaction.atomic
def benchmark_import(
    *, name: str, data: bytes | IO[bytes], by: User | None, file_name: str = "", replace: bool = False
) -> Benchmark:
    """Import a HumanEval-format JSONL (or gzipped JSONL) as source ``benchmark:<name>``;
    ``data`` is the file's bytes or a seekable binary stream (read line by line).

    The whole file is parsed before anything is written, and the write is one transaction:
    a malformed line raises :class:`BenchmarkImportError` naming its line and leaves no
    trace. An existing benchmark of that name is refused unless ``replace``.
    """
    if problem := benchmark_name_problem(name):
        raise BenchmarkImportError(problem, field="name")
    problems = parse_benchmark(data, name=name)
    existing = Benchmark.objects.select_for_update().filter(name=name).first()
    if existing is not None:
        if not replace:
            raise BenchmarkImportError(
                f"benchmark {name!r} already exists; import with replace to overwrite it", field="name"
            )
        existing.delete()
    benchmark = Benchmark.objects.create(
        name=name, file_name=file_name[:300], problem_count=len(problems), created_by=by
    )
    BenchmarkProblem.objects.bulk_create(
        BenchmarkProblem(benchmark=benchmark, position=i, **p) for i, p in enumerate(problems)
    )
    return benchmark


class BenchmarkInUse(Exception):
    """A mixture still draws from the benchmark (the message names it)."""


@transaction.atomic
def benchmark_delete(*, benchmark: Benchmark, by: User) -> None:
    """Delete a benchmark and its problems. Refused while the latest version of a mixture
    draws from it (its next freeze would fail); frozen snapshots keep their rows, which
    live in their files."""
    require(by, Action.BENCHMARK_CHANGE)
    source = f"benchmark:{benchmark.name}"
    users = [
        m.name
        for m in Mixture.objects.order_by("name")
        if any(i.get("source") == source for i in m.latest.items)
    ]
    if users:
        raise BenchmarkInUse(
            f"{source} is used by mixture {', '.join(users)}; remove it from the recipe first"
        )
    benchmark.delete()
