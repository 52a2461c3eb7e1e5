"""Whether a running run's worker is alive, from the worker's own Redis keys; run by the
shared reaper before it reaps (``webapp.core.jobs.register_reap_hook``).

The database's ``heartbeat_at`` moves with the events, which go through a queue; the worker's
Redis heartbeat key (``atomlab:job:<id>:heartbeat``, expiring after three missed beats) is
first-hand. So, for every running run:

- the Redis key is there: the worker is alive; ``heartbeat_at`` is brought up to it, so a
  slow events queue never gets a live run reaped;
- the key, the job's lock and the worker's "ran to an end" marker are all gone, and no event
  came for a while: the worker died; the run is failed now, with the reason, instead of
  after the generic reaper's longer wait;
- cancel was asked longer than ``TRAINING_CANCEL_GRACE_SECONDS`` ago and the run still runs:
  its Celery task is revoked with ``terminate`` (SIGKILL to the process running it) and the
  run is closed as cancelled, keeping its last checkpoint.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from training_worker.control import job_key, redis_client
from webapp.core.dispatch import revoke
from webapp.core.jobs import job_finish
from webapp.core.models import HEARTBEAT_SECONDS, JobStatus
from webapp.training.dispatch import done_marker
from webapp.training.models import TrainingRun

log = logging.getLogger(__name__)

DIED = (
    "Its GPU worker stopped beating (no heartbeat and no job lock in Redis): the worker process "
    "died or was killed. Failed by the reaper; Resume continues from the last checkpoint."
)


def runs_check() -> dict[str, int]:
    """Refresh, fail or kill running runs as the module docstring says; returns counts."""
    running = list(TrainingRun.objects.filter(status=JobStatus.RUNNING))
    counts = {"refreshed": 0, "died": 0, "killed": 0}
    if not running:
        return counts
    client = redis_client(settings.REDIS_URL)
    now = timezone.now()
    grace = timedelta(seconds=settings.TRAINING_CANCEL_GRACE_SECONDS)
    for run in running:
        if run.cancel_requested_at is not None and now - run.cancel_requested_at > grace:
            revoke(run.task_id, terminate=True)
            seconds = settings.TRAINING_CANCEL_GRACE_SECONDS
            if job_finish(TrainingRun, run.pk, cancelled=True):
                # job_finish records an error as a failure; the reason goes on the cancelled row.
                TrainingRun.objects.filter(pk=run.pk).update(
                    error=f"It did not stop within {seconds} s of Cancel; its worker process was killed."
                )
                counts["killed"] += 1
            continue
        beat = client.get(job_key(run.job_id, "heartbeat"))
        if beat is not None:
            at = datetime.fromtimestamp(float(beat), tz=UTC)
            if run.heartbeat_at is None or at > run.heartbeat_at:
                TrainingRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(heartbeat_at=at)
                counts["refreshed"] += 1
            continue
        quiet_for = (now - run.heartbeat_at).total_seconds() if run.heartbeat_at else float("inf")
        if quiet_for < HEARTBEAT_SECONDS:
            continue  # a beat may be on its way (the key expires a few beats after the last)
        if client.exists(job_key(run.job_id, "lock")) or done_marker(run, client) is not None:
            continue  # still holding the job, or ended normally with its last event in the queue
        if job_finish(TrainingRun, run.pk, error=DIED):
            log.warning("run %s: worker gone, failed", run.job_id)
            counts["died"] += 1
    return counts
