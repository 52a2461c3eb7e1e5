"""Reads of the datasets app (STYLE rules 2 and 3). Every role may read mixtures, snapshots
and benchmarks; changing them needs the researcher role, checked here in one place."""

from __future__ import annotations

import itertools
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from webapp.accounts.models import Role
from webapp.core.access import require_role
from webapp.core.models import BackgroundJob
from webapp.mixtures.models import Benchmark, Mixture, MixtureVersion, Snapshot
from webapp.mixtures.problems import snapshot_by_hash
from webapp.mixtures.storage import read_snapshot


def mixture_list() -> QuerySet[Mixture]:
    """Mixtures by name, with how many versions and snapshots each has."""
    return Mixture.objects.annotate(
        version_count=Count("versions", distinct=True), snapshot_count=Count("versions__snapshots")
    ).order_by("name")


def mixture_get(*, mixture_id: int) -> Mixture:
    """A mixture for reading (404 when missing)."""
    return get_object_or_404(Mixture, pk=mixture_id)


def mixture_get_for_change(*, mixture_id: int, user: Any) -> Mixture:
    """A mixture ``user`` may edit and freeze: researchers and admins may."""
    require_role(user, Role.RESEARCHER)
    return mixture_get(mixture_id=mixture_id)


def snapshot_list() -> QuerySet[Snapshot]:
    """Every snapshot, newest first."""
    return Snapshot.objects.select_related("version__mixture").order_by("-created_at", "-pk")


def snapshot_get(*, sha: str) -> Snapshot:
    """The snapshot with hash ``sha`` (a unique prefix works); 404 otherwise."""
    try:
        return snapshot_by_hash(sha)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def snapshot_sample(*, snapshot: Snapshot, n: int = 10) -> list[dict[str, Any]]:
    """The first ``n`` rows of a snapshot's file, for its page."""
    return list(itertools.islice(read_snapshot(snapshot.sha256), n))


def snapshot_eval_choices() -> list[Snapshot]:
    """Snapshots holding eval rows (what a contamination report can be run against)."""
    return [s for s in snapshot_list() if "eval" in s.roles]


def freeze_job_get(*, job_id: int) -> BackgroundJob:
    """A freeze job (any logged-in user may watch it)."""
    return get_object_or_404(BackgroundJob, pk=job_id, kind="mixtures.freeze")


def freeze_job_mixture_id(*, job: BackgroundJob) -> int | None:
    """The mixture a freeze job belongs to (``None`` when its version is gone)."""
    version_id = (job.params or {}).get("version_id")
    if not isinstance(version_id, int):
        return None
    return MixtureVersion.objects.filter(pk=version_id).values_list("mixture_id", flat=True).first()


def benchmark_list() -> QuerySet[Benchmark]:
    """Imported benchmarks by name."""
    return Benchmark.objects.order_by("name")


def can_change(user: Any) -> bool:
    """Whether ``user`` may create, edit and freeze mixtures and import benchmarks."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.RESEARCHER))


def require_change(user: Any) -> None:
    """403 unless ``user`` may change datasets (the researcher role or above)."""
    require_role(user, Role.RESEARCHER)
