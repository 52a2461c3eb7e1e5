"""The one place that sends JobSpecs to GPU workers, and the web side's view of a job's Redis
keys (``training_worker.control``: lock, heartbeat, cancel flag, event counter).

Every GPU job (a training run ``run-<pk>``, an evaluation's generation ``eval-<pk>``) is a
:class:`~webapp.core.models.JobBase` row with a ``job_id``. :func:`job_send` sends its JobSpec
once the row is committed (``transaction.on_commit``), as task ``atomlab.gpu.run_job`` on
``settings.TRAINING_QUEUE``. When the broker cannot be reached the row is failed at once with
the reason, so nothing waits for a message that was never sent. Training, evaluation and
studies all dispatch through here; what a JobSpec holds is each app's own business.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from training_worker.contracts import JobSpec
from training_worker.control import JobControl, job_key, redis_client
from webapp.core.jobs import job_finish
from webapp.core.models import JobBase

log = logging.getLogger(__name__)

GPU_TASK = "atomlab.gpu.run_job"


class GpuJob(Protocol):
    """A job row the GPU workers run: its ``job_id`` names its events and Redis keys."""

    pk: Any

    @property
    def job_id(self) -> str: ...


def control_for(job: GpuJob) -> JobControl:
    """The job's Redis keys (the broker's Redis, which every worker shares)."""
    return JobControl(redis_client(settings.REDIS_URL), job.job_id)


def heartbeats_refresh(rows: QuerySet[Any]) -> int:
    """Bring ``heartbeat_at`` of each row of ``rows`` (GPU jobs that are running) up to its
    worker's Redis heartbeat, so that a busy events queue never gets a live job reaped; one
    whose worker died stops refreshing and the shared reaper fails it. A reap hook of every
    app whose GPU jobs generate (evaluations, the playground) calls it. Returns how many
    rows were refreshed."""
    jobs = list(rows)
    if not jobs:
        return 0
    client = redis_client(settings.REDIS_URL)
    refreshed = 0
    for job in jobs:
        beat = client.get(job_key(job.job_id, "heartbeat"))
        if beat is None:
            continue
        at = datetime.fromtimestamp(float(beat), tz=UTC)
        if job.heartbeat_at is None or at > job.heartbeat_at:
            refreshed += rows.filter(pk=job.pk).update(heartbeat_at=at)
    return refreshed


def job_send(job: JobBase, spec: JobSpec, *, fresh: bool) -> tuple[str, str]:
    """Send ``spec`` for ``job`` (any GPU job row) on ``settings.TRAINING_QUEUE`` once the
    current transaction commits. ``fresh``: a first attempt, whose Redis keys (an old done
    marker, event counter or cancel flag left by a database reset with Redis kept) are
    cleared first; a later attempt keeps its counter and loses only its cancel flag. Returns
    ``(spec JSON, Celery task id)``; when the broker is down the row is failed with why."""
    spec_json = spec.to_json()
    task_id = f"{spec.job_id}-a{max(1, spec.attempt)}-{uuid.uuid4().hex[:8]}"
    model, pk, queue = type(job), job.pk, settings.TRAINING_QUEUE
    transaction.on_commit(lambda: _send(model, pk, spec.job_id, spec_json, task_id, queue=queue, fresh=fresh))
    return spec_json, task_id


def _send(
    model: type[JobBase], pk: int, job_id: str, spec_json: str, task_id: str, *, queue: str, fresh: bool
) -> None:
    from webapp.celery_app import app

    try:
        client = redis_client(settings.REDIS_URL)
        stale = [job_key(job_id, "cancel")]
        if fresh:
            stale += [job_key(job_id, "seq")]
            stale += list(client.scan_iter(match=job_key(job_id, "done:*")))
            stale += list(client.scan_iter(match=job_key(job_id, "started:*")))
        client.delete(*stale)
        app.send_task(
            GPU_TASK,
            args=[spec_json],
            queue=queue,
            task_id=task_id,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception as exc:  # the broker is down or refuses: say so on the row
        log.exception("job %s could not be sent to the %s queue", job_id, queue)
        job_finish(
            model,
            pk,
            error=(
                f"Could not hand the job to the '{queue}' queue: the broker did not answer "
                f"({type(exc).__name__}: {exc}). No worker received it; start it again once "
                "Redis is up."
            )[:2000],
        )


def revoke(task_id: str, *, terminate: bool) -> None:
    """Drop a queued message (``terminate``: also kill the worker process running it)."""
    from webapp.celery_app import app

    if task_id:
        app.control.revoke(task_id, terminate=terminate, signal="SIGKILL" if terminate else "SIGTERM")
