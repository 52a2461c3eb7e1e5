"""Celery tasks of the playground (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.core.tasking import job_task


@job_task(name="atomlab.cpu.playground_judge")
def playground_judge_task(request_id: int) -> dict[str, Any] | None:
    """Store and judge the samples of playground request ``request_id`` (shared lifecycle:
    a delivery that finds the row alive elsewhere retries, one that finds it finished does
    nothing)."""
    from webapp.playground.services import playground_judge

    return playground_judge(request_pk=request_id)
