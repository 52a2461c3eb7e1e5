"""Reads of shared core objects, with their access rules in one place."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from webapp.accounts.models import Role
from webapp.core.models import BackgroundJob


def job_get(*, job_id: int) -> BackgroundJob:
    """Any logged-in user may watch a job."""
    return get_object_or_404(BackgroundJob, pk=job_id)


def job_can_cancel(*, job: BackgroundJob, user: Any) -> bool:
    """Admins cancel anything; researchers their own jobs."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.has_role(Role.ADMIN) or (user.has_role(Role.RESEARCHER) and job.created_by_id == user.pk)
    )


def job_get_for_cancel(*, job_id: int, user: Any) -> BackgroundJob:
    """The job, or 403 when ``user`` may not cancel it."""
    job = job_get(job_id=job_id)
    if not job_can_cancel(job=job, user=user):
        raise PermissionDenied("Only the researcher who started this job, or an admin, can cancel it.")
    return job
