"""Services for :class:`~webapp.core.models.BackgroundJob`: create, claim, report, finish.

Tasks claim a job with a conditional update (only a queued job can start), so a task that is
delivered twice (``acks_late``) does the work once.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from webapp.accounts.models import User
from webapp.core.models import BackgroundJob, JobStatus


def job_create(*, kind: str, by: User | None, params: dict[str, Any] | None = None) -> BackgroundJob:
    """A queued job row; the caller enqueues the task with its id on commit."""
    return BackgroundJob.objects.create(kind=kind, created_by=by, params=params or {})


def job_claim(*, job_id: int, total: int = 0) -> bool:
    """Mark a queued job running. False when another delivery already claimed it."""
    now = timezone.now()
    changed = BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, total=total
    )
    return changed == 1


def job_progress(
    *,
    job_id: int,
    done: int,
    total: int | None = None,
    message: str = "",
    counters: dict[str, Any] | None = None,
) -> None:
    """Record progress (and a heartbeat) with one narrow UPDATE."""
    fields: dict[str, Any] = {"done": done, "heartbeat_at": timezone.now(), "message": message[:300]}
    if total is not None:
        fields["total"] = total
    if counters is not None:
        fields["counters"] = counters
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_cancel(*, job: BackgroundJob) -> bool:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops at its next
    check of :func:`job_cancel_requested`. False when the job had already finished."""
    if BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    ):
        return True
    return bool(
        BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    )


def job_cancel_requested(*, job_id: int) -> bool:
    """Polled by tasks between units of work."""
    return BackgroundJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def job_finish(
    *, job_id: int, result: dict[str, Any] | None = None, error: str = "", cancelled: bool = False
) -> None:
    """Close the job as succeeded, failed (``error`` given) or cancelled (``cancelled``)."""
    status = JobStatus.FAILED if error else JobStatus.CANCELLED if cancelled else JobStatus.SUCCEEDED
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "result": result or {},
        "error": error,
    }
    if status == JobStatus.SUCCEEDED:
        fields["done"] = F("total")
    BackgroundJob.objects.filter(pk=job_id).update(**fields)
