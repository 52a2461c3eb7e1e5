"""Reads of the datasets app (STYLE rules 2 and 3). Every role may read mixtures, snapshots
and benchmarks (each read names who it is for, ``fetched_by``); changing them is
``Action.MIXTURE_CHANGE`` / ``Action.BENCHMARK_CHANGE``, checked here in one place."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from training_worker.contracts import ProblemRecord
from webapp.core.access import Action, require, require_reader
from webapp.core.models import BackgroundJob
from webapp.mixtures.models import (
    Benchmark,
    BenchmarkProblem,
    ContaminationReport,
    Mixture,
    MixtureVersion,
    Snapshot,
    SnapshotMember,
)
from webapp.mixtures.problems import BENCHMARK_PREFIX, snapshot_by_hash
from webapp.mixtures.storage import read_snapshot


def mixture_list(*, fetched_by: Any) -> QuerySet[Mixture]:
    """Mixtures by name, with how many versions and snapshots each has."""
    require_reader(fetched_by)
    return Mixture.objects.annotate(
        version_count=Count("versions", distinct=True), snapshot_count=Count("versions__snapshots")
    ).order_by("name")


def mixture_get(*, mixture_id: int, fetched_by: Any) -> Mixture:
    """A mixture for reading (404 when missing)."""
    require_reader(fetched_by)
    return get_object_or_404(Mixture, pk=mixture_id)


def mixture_get_for_change(*, mixture_id: int, user: Any) -> Mixture:
    """A mixture ``user`` may edit and freeze (``Action.MIXTURE_CHANGE``)."""
    require(user, Action.MIXTURE_CHANGE)
    return get_object_or_404(Mixture, pk=mixture_id)


def snapshot_list(*, fetched_by: Any) -> QuerySet[Snapshot]:
    """Every snapshot, newest first."""
    require_reader(fetched_by)
    return Snapshot.objects.select_related("version__mixture", "created_by").order_by("-created_at", "-pk")


def snapshot_get(*, sha: str, fetched_by: Any) -> Snapshot:
    """The snapshot with hash ``sha`` (a unique prefix works); 404 otherwise."""
    require_reader(fetched_by)
    try:
        return snapshot_by_hash(sha)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def snapshot_sample(*, snapshot: Snapshot, n: int = 10) -> list[ProblemRecord]:
    """The first ``n`` rows of a snapshot's file, for its page."""
    return list(itertools.islice(read_snapshot(snapshot.sha256), n))


def snapshot_eval_choices(*, fetched_by: Any) -> list[Snapshot]:
    """Snapshots holding eval rows (what a contamination report can be run against)."""
    return [s for s in snapshot_list(fetched_by=fetched_by) if "eval" in s.roles]


def snapshots_with_atom(*, slug: str, fetched_by: Any) -> list[Snapshot]:
    """Snapshots with rows of the atom ``slug`` itself (its base, modified or translated
    prompt), newest first."""
    require_reader(fetched_by)
    return list(
        snapshot_list(fetched_by=fetched_by).filter(members__kind=SnapshotMember.Kind.ATOM, members__ref=slug)
    )


def snapshots_with_chains(*, chain_keys: Iterable[str], fetched_by: Any) -> list[Snapshot]:
    """Snapshots holding any of the composites named by their chain keys, newest first."""
    keys = list(chain_keys)
    if not keys:
        return []
    qs = snapshot_list(fetched_by=fetched_by).filter(
        members__kind=SnapshotMember.Kind.COMPOSITE, members__ref__in=keys
    )
    return list(qs.distinct())


def snapshot_reports(*, snapshot: Snapshot, fetched_by: Any) -> list[ContaminationReport]:
    """The contamination reports computed with ``snapshot`` on either side, newest first."""
    require_reader(fetched_by)
    qs = ContaminationReport.objects.filter(Q(train=snapshot) | Q(eval=snapshot))
    return list(qs.select_related("train", "eval").order_by("-created_at"))


def freeze_job_get(*, job_id: int, fetched_by: Any) -> BackgroundJob:
    """A freeze job (any logged-in user may watch it)."""
    require_reader(fetched_by)
    return get_object_or_404(BackgroundJob, pk=job_id, kind="mixtures.freeze")


def freeze_job_mixture_id(*, job: BackgroundJob) -> int | None:
    """The mixture a freeze job belongs to (``None`` when its version is gone)."""
    version_id = (job.params or {}).get("version_id")
    if not isinstance(version_id, int):
        return None
    return MixtureVersion.objects.filter(pk=version_id).values_list("mixture_id", flat=True).first()


def benchmark_list(*, fetched_by: Any) -> QuerySet[Benchmark]:
    """Imported benchmarks by name."""
    require_reader(fetched_by)
    return Benchmark.objects.select_related("created_by").order_by("name")


def benchmark_get(*, name: str, fetched_by: Any) -> Benchmark:
    """One benchmark by name (404 when there is none)."""
    require_reader(fetched_by)
    return get_object_or_404(Benchmark, name=name)


def benchmark_get_for_change(*, name: str, user: Any) -> Benchmark:
    """A benchmark ``user`` may delete (``Action.BENCHMARK_CHANGE``)."""
    require(user, Action.BENCHMARK_CHANGE)
    return get_object_or_404(Benchmark, name=name)


def benchmark_problems(*, benchmark: Benchmark) -> QuerySet[BenchmarkProblem]:
    """A benchmark's problems in file order."""
    return benchmark.problems.order_by("position")


def mixtures_using_source(*, source: str, fetched_by: Any) -> list[Mixture]:
    """Mixtures whose latest version draws from ``source`` (e.g. ``benchmark:humaneval``)."""
    return [
        m
        for m in mixture_list(fetched_by=fetched_by)
        if any(item.get("source") == source for item in m.latest.items)
    ]


def snapshots_using_source(*, source: str, fetched_by: Any) -> list[Snapshot]:
    """Snapshots with rows from ``source``."""
    return [s for s in snapshot_list(fetched_by=fetched_by) if source in (s.counts.get("source") or {})]


def benchmark_source(benchmark: Benchmark) -> str:
    """The source name a benchmark is served as."""
    return f"{BENCHMARK_PREFIX}{benchmark.name}"
