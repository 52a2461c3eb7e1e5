"""Whether a generating evaluation's GPU worker is alive, from the worker's own Redis
heartbeat; run by the shared reaper before it reaps (``webapp.core.jobs.register_reap_hook``,
registered in this app's ``ready``), as ``webapp.training.liveness`` does for runs."""

from __future__ import annotations

from webapp.core.dispatch import heartbeats_refresh
from webapp.core.models import JobStatus
from webapp.evaluation.models import EvalRun, Phase


def evals_check() -> dict[str, int]:
    """Evaluations while their GPU worker generates: ``heartbeat_at`` is brought up to the
    worker's Redis heartbeat, as for runs, so a busy events queue (judging shares the cpu
    worker) never gets a live generation reaped. One whose worker died stops refreshing and
    is failed by the shared reaper."""
    generating = EvalRun.objects.filter(status=JobStatus.RUNNING, phase=Phase.GENERATING)
    return {"refreshed": heartbeats_refresh(generating)}
