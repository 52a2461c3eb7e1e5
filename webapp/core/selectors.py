"""Reads of shared core objects, with their access rules in one place."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from webapp.core.access import can_act_on, require_owner_or_admin, require_reader
from webapp.core.jobs import job_models
from webapp.core.models import BackgroundJob, JobBase, JobStatus


def job_get(*, job_id: int, fetched_by: Any) -> BackgroundJob:
    """Any logged-in user may watch a job."""
    require_reader(fetched_by)
    return get_object_or_404(BackgroundJob, pk=job_id)


def job_can_cancel(*, job: BackgroundJob, user: Any) -> bool:
    """Whether ``user`` may cancel ``job`` (:func:`~webapp.core.access.can_act_on`)."""
    return can_act_on(user, job.created_by_id)


def job_get_for_cancel(*, job_id: int, user: Any) -> BackgroundJob:
    """The job, or the refusal page when ``user`` may not cancel it."""
    job = job_get(job_id=job_id, fetched_by=user)
    require_owner_or_admin(user, obj=job, doing="cancel this job")
    return job


def job_list_active(*, fetched_by: Any, limit: int = 10) -> list[JobBase]:
    """Jobs of every kind queued or running now, oldest first (what the workers are busy
    with): every model with the shared lifecycle, as the apps define them (core names none)."""
    require_reader(fetched_by)
    active: list[JobBase] = []
    for model in job_models():
        rows = model._default_manager.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        active.extend(rows.select_related("created_by").order_by("created_at")[:limit])
    active.sort(key=lambda job: job.created_at)
    return active[:limit]
