"""Where a study unit (one arm at one seed) stands, read from its training run and then its
evaluation. Both jobs climb the same ladder (queued, in progress, ended badly, succeeded),
written once in :func:`_job_rung`."""

from __future__ import annotations

from django.db import models

from webapp.core.models import JobStatus
from webapp.studies.models import StudyUnit

#: Job statuses of a job that has not ended.
IN_PROGRESS = (JobStatus.QUEUED, JobStatus.RUNNING)
#: Job statuses of a job that ended without succeeding.
ENDED_BADLY = (JobStatus.FAILED, JobStatus.CANCELLED)


class UnitState(models.TextChoices):
    """A unit's state. ``QUEUED`` and ``EVAL_QUEUED``: its job waits for a free GPU-queue
    worker (each runs one job at a time)."""

    WAITING = "waiting", "waiting"
    BLOCKED = "blocked", "blocked"
    QUEUED = "queued", "queued"
    TRAINING = "training", "training"
    TRAINED = "trained", "trained"
    EVAL_QUEUED = "eval queued", "eval queued"
    EVALUATING = "evaluating", "evaluating"
    FAILED = "failed", "failed"
    DONE = "done", "done"


#: Unit states whose job waits for a free GPU-queue worker.
QUEUED = (UnitState.QUEUED, UnitState.EVAL_QUEUED)
#: Unit states in which the unit will move on by itself.
MOVING = (*QUEUED, UnitState.TRAINING, UnitState.TRAINED, UnitState.EVALUATING)
#: Unit states that wait for the study's owner to resume the unit.
STOPPED = (UnitState.FAILED, UnitState.BLOCKED)


def _job_rung(status: str, *, queued: UnitState, running: UnitState) -> UnitState | None:
    """The state one job (the training run or the evaluation) gives its unit; None once it
    succeeded (the unit moves on to its next job)."""
    if status == JobStatus.QUEUED:
        return queued
    if status in IN_PROGRESS:
        return running
    if status in ENDED_BADLY:
        return UnitState.FAILED
    return None


def unit_state(unit: StudyUnit) -> UnitState:
    """waiting | blocked | queued | training | trained | eval queued | evaluating | failed |
    done (:class:`UnitState`)."""
    if unit.blocked:
        return UnitState.BLOCKED
    run = unit.training_run
    if run is None:
        return UnitState.WAITING
    rung = _job_rung(run.status, queued=UnitState.QUEUED, running=UnitState.TRAINING)
    if rung is not None:
        return rung
    ev = unit.eval_run
    if ev is None:
        return UnitState.TRAINED
    return _job_rung(ev.status, queued=UnitState.EVAL_QUEUED, running=UnitState.EVALUATING) or UnitState.DONE
