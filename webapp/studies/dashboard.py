"""The dashboard's Studies card."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from webapp.core.access import Action
from webapp.core.dashboard import Activity, Count, Link, StageState
from webapp.studies.models import Study, StudyStatus


def summary(user: Any) -> StageState:
    """Studies by state; ready once one succeeded."""
    studies = Study.objects.all()
    going = studies.filter(status__in=[StudyStatus.PREPARING, StudyStatus.RUNNING]).count()
    done = studies.filter(status=StudyStatus.SUCCEEDED).count()
    counts = [
        Count("studies", studies.count(), reverse("studies")),
        Count("running", going, reverse("studies"), "warn" if going else ""),
        Count("done", done, reverse("studies"), "ok" if done else ""),
    ]
    recent = [
        Activity(
            s.created_at,
            f"study {s.name} ({s.template}, {s.scale}): {s.status}",
            reverse("study", args=[s.pk]),
            s.created_by.username if s.created_by else "",
        )
        for s in studies.select_related("created_by").order_by("-created_at")[:5]
    ]
    return StageState(
        counts,
        ready=done > 0,
        todo="No finished study yet. Launch one from a template (the SFT-versus-RL study runs at tiny "
        "scale in about 3 minutes on 2 CPU cores) and read its table.",
        next=Link("New study", reverse("study-new"), Action.RUN_LAUNCH),
        recent=recent,
    )
