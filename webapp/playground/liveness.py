"""Whether a generating playground request's GPU worker is alive, from the worker's own
Redis heartbeat; run by the shared reaper before it reaps (registered in this app's ``ready``),
as evaluations do."""

from __future__ import annotations

from webapp.core.dispatch import heartbeats_refresh
from webapp.core.models import JobStatus
from webapp.evaluation.models import Phase
from webapp.playground.models import PlaygroundRequest


def playground_check() -> dict[str, int]:
    """Requests while their GPU worker generates get ``heartbeat_at`` brought up to the
    worker's heartbeat; one whose worker died stops refreshing and the reaper fails it."""
    rows = PlaygroundRequest.objects.filter(status=JobStatus.RUNNING, phase=Phase.GENERATING)
    return {"refreshed": heartbeats_refresh(rows)}
