"""Reads of shared core objects, with their access rules in one place."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from webapp.core.access import Action, Refused, can, require_reader
from webapp.core.models import BackgroundJob, JobStatus


def job_get(*, job_id: int, fetched_by: Any) -> BackgroundJob:
    """Any logged-in user may watch a job."""
    require_reader(fetched_by)
    return get_object_or_404(BackgroundJob, pk=job_id)


def job_can_cancel(*, job: BackgroundJob, user: Any) -> bool:
    """Admins cancel anything; researchers their own jobs."""
    if can(user, Action.JOB_CANCEL_ANY):
        return True
    return can(user, Action.JOB_CANCEL_OWN) and job.created_by_id == user.pk


def job_get_for_cancel(*, job_id: int, user: Any) -> BackgroundJob:
    """The job, or the refusal page when ``user`` may not cancel it."""
    job = job_get(job_id=job_id, fetched_by=user)
    if not job_can_cancel(job=job, user=user):
        raise Refused("Only the researcher who started this job, or an admin, can cancel it.")
    return job


def job_list_active(*, fetched_by: Any, limit: int = 10) -> list[BackgroundJob]:
    """Jobs queued or running now, oldest first (what the workers are busy with)."""
    require_reader(fetched_by)
    active = BackgroundJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    return list(active.select_related("created_by").order_by("created_at")[:limit])
