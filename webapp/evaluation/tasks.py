"""Celery tasks of the evaluation app (queue ``cpu``)."""

from __future__ import annotations

from typing import Any

from webapp.core.tasking import django_task


@django_task(name="atomlab.cpu.eval_judge")
def eval_judge_task(run_id: int, current: bool = False) -> dict[str, Any] | None:
    """Judge the stored generations of evaluation ``run_id`` and compute its scores
    (``current``: against the problems' sources of today, a re-score). A second delivery
    finds the row claimed and does nothing."""
    from webapp.evaluation.services import evalrun_judge

    return evalrun_judge(run_pk=run_id, current=current)
