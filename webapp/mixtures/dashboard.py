"""The datasets stage of the dashboard (``webapp.core.dashboard``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState
from webapp.mixtures import selectors


def summary(user: Any) -> StageState:
    """Mixtures, snapshots and benchmarks; ready once a mixture has been frozen."""
    mixtures = list(selectors.mixture_list(fetched_by=user))
    snapshots = list(selectors.snapshot_list(fetched_by=user)[:8])
    snapshot_count = selectors.snapshot_list(fetched_by=user).count()
    benchmarks = list(selectors.benchmark_list(fetched_by=user))
    counts = [
        Count("mixtures", len(mixtures), reverse("datasets")),
        Count("snapshots", snapshot_count, reverse("snapshots"), "ok" if snapshot_count else ""),
        Count("benchmarks", len(benchmarks), reverse("benchmarks")),
    ]
    recent = [
        Activity(
            s.created_at,
            f"snapshot {s.short} frozen from {s.recipe.get('name', '?')} v{s.recipe.get('version', '?')}: "
            f"{s.rows} rows",
            reverse("snapshot", args=[s.sha256]),
            s.created_by.username if s.created_by else "",
        )
        for s in snapshots
    ] + [
        Activity(
            b.created_at,
            f"benchmark:{b.name} imported ({b.problem_count} problems)",
            reverse("benchmark", args=[b.name]),
            b.created_by.username if b.created_by else "",
        )
        for b in benchmarks[:5]
    ]
    if not mixtures:
        return StageState(
            counts,
            ready=False,
            todo="No dataset yet. Create a mixture, add sources (atoms, composite pools, benchmarks) "
            "with sampling ratios, and freeze it into a snapshot.",
            next=Link("New mixture", f"{reverse('datasets')}#new-mixture", Action.MIXTURE_CHANGE),
            recent=recent,
        )
    if not snapshot_count:
        latest = max(mixtures, key=lambda m: m.updated_at)
        return StageState(
            counts,
            ready=False,
            todo=f"Mixture {latest.name} is not frozen yet: open it and press Freeze to write a snapshot.",
            next=Link(f"Open {latest.name}", reverse("mixture", args=[latest.pk])),
            recent=recent,
        )
    return StageState(counts, ready=True, todo="", recent=recent)
