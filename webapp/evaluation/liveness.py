"""Whether a generating evaluation's GPU worker is alive, from the worker's own Redis
heartbeat; run by the shared reaper before it reaps (``webapp.core.jobs.register_reap_hook``,
registered in this app's ``ready``), as ``webapp.training.liveness`` does for runs."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from training_worker.control import job_key, redis_client
from webapp.core.models import JobStatus
from webapp.evaluation.models import EvalRun, Phase


def evals_check() -> dict[str, int]:
    """Evaluations while their GPU worker generates: ``heartbeat_at`` is brought up to the
    worker's Redis heartbeat, as for runs, so a busy events queue (judging shares the cpu
    worker) never gets a live generation reaped. One whose worker died stops refreshing and
    is failed by the shared reaper."""
    generating = list(EvalRun.objects.filter(status=JobStatus.RUNNING, phase=Phase.GENERATING))
    counts = {"refreshed": 0}
    if not generating:
        return counts
    client = redis_client(settings.REDIS_URL)
    for ev in generating:
        beat = client.get(job_key(ev.job_id, "heartbeat"))
        if beat is None:
            continue
        at = datetime.fromtimestamp(float(beat), tz=UTC)
        if ev.heartbeat_at is None or at > ev.heartbeat_at:
            rows = EvalRun.objects.filter(pk=ev.pk, status=JobStatus.RUNNING, phase=Phase.GENERATING)
            counts["refreshed"] += rows.update(heartbeat_at=at)
    return counts
