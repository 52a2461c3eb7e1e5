"""The evaluations stage of the dashboard (``webapp.core.dashboard``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState
from webapp.core.models import JobStatus
from webapp.evaluation import selectors
from webapp.evaluation.models import Generation
from webapp.training.selectors import run_list


def summary(user: Any) -> StageState:
    """Evaluations and labelled failures; ready once an evaluation has scores."""
    runs = selectors.evalrun_list(fetched_by=user)
    total = runs.count()
    scored = selectors.evalrun_list_scored(fetched_by=user).count()
    active = runs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    labelled = Generation.objects.exclude(review_label="").count()
    counts = [
        Count("evaluations", total, reverse("evaluations")),
        Count("scored", scored, reverse("eval-table"), "ok" if scored else ""),
        Count("running", active, reverse("evaluations"), "warn" if active else ""),
        Count("labelled failures", labelled, f"{reverse('eval-generations')}?label=any"),
    ]
    recent = [
        Activity(
            r.created_at,
            f"evaluation {r.pk}: {r.model_label} on "
            f"{', '.join(s.short for s in r.snapshots.all())} ({r.status})",
            reverse("eval-run", args=[r.pk]),
            r.created_by.username if r.created_by else "",
        )
        for r in runs[:6]
    ]
    if not scored:
        return StageState(
            counts,
            ready=False,
            todo="No model has been evaluated yet. Pick a model and one or more eval snapshots; "
            "generation runs on a GPU worker, judging in the sandbox.",
            next=Link("New evaluation", reverse("eval-launch"), Action.EVAL_RUN),
            recent=recent,
        )
    return StageState(counts, ready=True, todo="", next=_after(user, runs), recent=recent)


def _after(user: Any, evaluations: Any) -> Link:
    """Once something is scored: evaluate the latest finished run when no evaluation has
    looked at it yet, else compare two evaluations."""
    last = run_list(fetched_by=user).filter(status=JobStatus.SUCCEEDED).first()
    if last is not None and not evaluations.filter(init_checkpoint__run=last).exists():
        url = f"{reverse('eval-launch')}?model=run:{last.pk}"
        return Link(f"Evaluate run {last.pk}", url, Action.EVAL_RUN)
    return Link("Compare two evaluations", reverse("eval-compare"))
