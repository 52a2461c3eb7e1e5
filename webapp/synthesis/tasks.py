"""Celery tasks of the synthesis app (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.core.tasking import job_task
from webapp.synthesis.models import SynthesisRun


@job_task(name="atomlab.cpu.synthesize")
def synthesize_task(job_id: int) -> dict[str, Any] | None:
    """Run the synthesis job ``job_id``: progress and counters on the job row, a check for
    cancellation between sandbox batches. A second delivery finds the job claimed and
    does nothing."""
    from webapp.synthesis.services import run_execute

    run = SynthesisRun.objects.get(job_id=job_id)
    result = run_execute(run=run)
    if result is None:
        return None
    return {"counters": result.counters, "stopped": result.stopped}
