"""Celery tasks of the evaluation app (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.core.tasking import job_task


@job_task(name="atomlab.cpu.eval_judge")
def eval_judge_task(run_id: int) -> dict[str, Any] | None:
    """Judge the stored generations of evaluation ``run_id`` and compute its scores (against
    the problems' sources of today when the run is being re-scored), under the shared job
    lifecycle: a delivery that finds the row alive under another worker retries, one that
    finds it finished does nothing."""
    from webapp.evaluation.services import evalrun_judge

    return evalrun_judge(run_pk=run_id)
