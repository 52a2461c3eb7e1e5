"""The composites stage of the dashboard (``webapp.core.dashboard``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState
from webapp.synthesis import selectors
from webapp.synthesis.models import SynthesisRun


def _activity(run: SynthesisRun) -> Activity:
    status = run.job.get_status_display().lower() if run.job else "no job"
    who = run.created_by.username if run.created_by else ""
    text = f"synthesis run {run.pk} ({run.pools_text}): {status}"
    return Activity(run.created_at, text, reverse("synthesis-run", args=[run.pk]), who)


def summary(user: Any) -> StageState:
    """Composites per pool; ready once a pool holds composites."""
    pools = selectors.pool_sizes(fetched_by=user)
    runs = selectors.run_list(fetched_by=user, limit=5)
    listing = reverse("composites")
    counts = [Count(f"pool {name}", n, f"{listing}?pool={name}") for name, n in pools.items()]
    if not counts:
        counts = [Count("composites", 0, listing)]
    recent = [_activity(r) for r in runs]
    active = next((r for r in runs if r.job is not None and not r.job.finished), None)
    if active is not None and not pools:
        return StageState(
            counts,
            ready=False,
            todo=f"Synthesis run {active.pk} is working; its page shows the progress.",
            next=Link("Watch the run", reverse("synthesis-run", args=[active.pk])),
            recent=recent,
        )
    if not pools:
        return StageState(
            counts,
            ready=False,
            todo="No composites yet. Synthesise pools (A, B, C…) from the valid atoms; "
            "pools never share a chain, so one can train and another test.",
            next=Link("Synthesize composites", reverse("synthesize"), Action.COMPOSITE_SYNTHESIZE),
            recent=recent,
        )
    return StageState(counts, ready=True, todo="", recent=recent)
