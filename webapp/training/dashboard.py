"""The runs stage of the dashboard (``webapp.core.dashboard``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count as CountOf
from django.urls import reverse

from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState
from webapp.core.models import JobStatus
from webapp.training import selectors


def summary(user: Any) -> StageState:
    """Runs by status; ready once a run has succeeded (it has a checkpoint to evaluate)."""
    runs = selectors.run_list(fetched_by=user)
    by_status = dict(runs.order_by().values_list("status").annotate(n=CountOf("pk")))
    base = reverse("runs")
    counts = [
        Count("running", by_status.get(JobStatus.RUNNING, 0) + by_status.get(JobStatus.QUEUED, 0),
              f"{base}?status=running", "warn" if by_status.get(JobStatus.RUNNING) else ""),
        Count("succeeded", by_status.get(JobStatus.SUCCEEDED, 0), f"{base}?status=succeeded",
              "ok" if by_status.get(JobStatus.SUCCEEDED) else ""),
        Count("failed", by_status.get(JobStatus.FAILED, 0), f"{base}?status=failed",
              "bad" if by_status.get(JobStatus.FAILED) else ""),
    ]  # fmt: skip
    recent = [
        Activity(
            r.created_at,
            f"run {r.pk} ({r.get_method_display()}{f', {r.name}' if r.name else ''}) "
            f"{r.get_status_display().lower()} at step {r.step}",
            reverse("run", args=[r.pk]),
            r.created_by.username if r.created_by else "",
        )
        for r in runs[:8]
    ]
    if not by_status.get(JobStatus.SUCCEEDED):
        return StageState(
            counts,
            ready=False,
            todo="No finished run yet. Launch SFT of the default model on a snapshot; then RL from its "
            "checkpoint.",
            next=Link("Launch a run", f"{reverse('run-launch')}?preset=sft-cpu", Action.RUN_LAUNCH),
            recent=recent,
        )
    last = runs.filter(status=JobStatus.SUCCEEDED).first()
    return StageState(counts, ready=True, todo="", next=_after(last), recent=recent)


def _after(run: Any) -> Link:
    """What follows a finished run: RL from it when it was SFT, another run otherwise."""
    if run is not None and run.method == "sft":
        query = f"preset=grpo-cpu&model=run:{run.pk}&train_snapshot={run.train_snapshot.sha256}"
        return Link(f"RL from run {run.pk}", f"{reverse('run-launch')}?{query}", Action.RUN_LAUNCH)
    return Link("Launch another run", reverse("run-launch"), Action.RUN_LAUNCH)
