"""Applying a worker's ProgressEvents to its run, idempotently.

Each event is first stored as a :class:`RunEvent`; the unique ``(run, seq)`` makes a second
delivery fail that insert, and then nothing else happens. Everything an event changes is
written with conditional updates, so an event that arrives late (a ``started`` after the
``finished``, a step-3 ``metrics`` after step 4) moves nothing backwards. Events numbered at
or below the run's ``seq_floor`` come from an attempt before a resume: they are kept but
change no state.

A checkpoint the run saves is announced with :data:`checkpoint_saved`, sent inside the
event's transaction, so that apps above training (evaluation during training) react to it
without training importing them.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from training_worker.contracts import ProgressEvent
from webapp.core.jobs import job_finish
from webapp.core.models import JobStatus
from webapp.core.text import db_json
from webapp.training.models import Checkpoint, MetricPoint, RunEvent, TrainingRun

log = logging.getLogger(__name__)

_JOB_ID = re.compile(r"^run-(\d+)$")
#: Rollout categories are stored as the share of the step's rollouts, one series each.
CATEGORY_PREFIX = "rollouts/"

#: Sent (``sender=Checkpoint``, ``checkpoint=``, ``final=``) when a ``checkpoint`` event is
#: applied, and for the run's last checkpoint when it finishes (``final=True``). One checkpoint
#: may be announced more than once (its own event, then the run's end), so a receiver acts
#: once per checkpoint. It is sent inside the event's transaction: a receiver's writes commit
#: or roll back with the event, and what it raises fails the event as before.
checkpoint_saved = Signal()


def run_for_job(job_id: str) -> TrainingRun | None:
    """The run a job id (``run-<pk>``) names, or None."""
    match = _JOB_ID.match(job_id)
    if match is None:
        return None
    return TrainingRun.objects.filter(pk=int(match.group(1))).first()


def event_apply(event: ProgressEvent) -> bool:
    """Store and apply one event. False when it changed nothing: a duplicate, or an event
    for a run that does not exist (a job id of another kind, a deleted run)."""
    run = run_for_job(event.job_id)
    if run is None:
        log.warning("event %s #%s for unknown job dropped", event.job_id, event.seq)
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                RunEvent.objects.create(
                    run=run,
                    seq=event.seq,
                    type=event.type,
                    step=event.step,
                    payload=db_json(event.payload),  # a log line may quote model output
                    timestamp=event.timestamp,
                )
        except IntegrityError:
            return False
        current = event.seq > run.seq_floor
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(run, event, current)
    return True


def _runs(run: TrainingRun) -> Any:
    return TrainingRun.objects.filter(pk=run.pk)


def _when(event: ProgressEvent) -> datetime:
    return datetime.fromtimestamp(event.timestamp, tz=UTC)


def _alive(run: TrainingRun, event: ProgressEvent) -> None:
    """A sign of life: the heartbeat, and the step reached (never backwards)."""
    _runs(run).filter(status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
    _runs(run).filter(step__lt=event.step).update(step=event.step, done=event.step)


def _started(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    if not current:
        return
    _runs(run).filter(status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=_when(event), heartbeat_at=timezone.now(), message="training"
    )
    # What the worker ran with, even when this event arrives after the run ended; a later
    # attempt's record replaces an earlier one, never the other way round.
    recorded = TrainingRun.objects.filter(pk=run.pk).values_list("reproducibility", flat=True).first() or {}
    if int(recorded.get("seq", 0)) < event.seq:
        repro = {**event.payload, "attempt": run.attempt, "seq": event.seq}
        _runs(run).update(reproducibility=repro)


def _heartbeat(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    if current:
        _runs(run).filter(status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _points(run: TrainingRun, step: int, values: dict[str, float | None]) -> None:
    points = [MetricPoint(run=run, name=name[:100], step=step, value=v) for name, v in values.items()]
    if points:
        MetricPoint.objects.bulk_create(
            points, update_conflicts=True, unique_fields=["run", "name", "step"], update_fields=["value"]
        )


def _metrics(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    if not current:
        return
    values = {k: _number(v) for k, v in event.payload.items()}
    values = {k: v for k, v in values.items() if v is not None}
    _points(run, event.step, dict(values))
    _runs(run).filter(last_metrics_seq__lt=event.seq).update(last_metrics=values, last_metrics_seq=event.seq)
    _alive(run, event)


def _generations(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    """The step's rollout categories as shares (passed, wrong answer, tampering …)."""
    if not current:
        return
    rows = event.payload.get("rows")
    categories = event.payload.get("categories")
    if not isinstance(rows, int) or rows <= 0 or not isinstance(categories, dict):
        return
    shares: dict[str, float | None] = {
        f"{CATEGORY_PREFIX}{name}": n / rows for name, n in categories.items() if isinstance(n, int)
    }
    _points(run, event.step, shares)


def _saved(checkpoint: Checkpoint, *, final: bool = False) -> None:
    """Announce ``checkpoint`` (evaluation during training subscribes)."""
    checkpoint_saved.send(sender=Checkpoint, checkpoint=checkpoint, final=final)


def _checkpoint(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    uri = event.payload.get("uri")
    step = event.payload.get("step", event.step)
    if isinstance(uri, str) and uri and isinstance(step, int):
        checkpoint, _ = Checkpoint.objects.update_or_create(run=run, step=step, defaults={"uri": uri})
        _saved(checkpoint, final=run.max_steps is not None and step >= run.max_steps)
    if current:
        _alive(run, event)


def _ending_checkpoint(run: TrainingRun, event: ProgressEvent, *, final: bool = False) -> None:
    uri = event.payload.get("checkpoint")
    if isinstance(uri, str) and uri and not Checkpoint.objects.filter(run=run, uri=uri).exists():
        step = int(uri.rsplit("-", 1)[-1]) if re.search(r"checkpoint-\d+$", uri) else event.step
        Checkpoint.objects.get_or_create(run=run, step=step, defaults={"uri": uri})
    last = Checkpoint.objects.filter(run=run).order_by("-step").first()
    if final and last is not None:
        _saved(last, final=True)


def _finished(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    _ending_checkpoint(run, event, final=current)
    if not current:
        return
    _runs(run).filter(Q(step__lt=event.step)).update(step=event.step)
    job_finish(TrainingRun, run.pk, result=event.payload)
    _runs(run).update(message="")


def _failed(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    if not current:
        return
    error = str(event.payload.get("error") or "the worker reported a failure without a reason")
    job_finish(TrainingRun, run.pk, error=error[:10_000], result=event.payload)
    _runs(run).update(message="")


def _cancelled(run: TrainingRun, event: ProgressEvent, current: bool) -> None:
    _ending_checkpoint(run, event)
    if not current:
        return
    _runs(run).filter(step__lt=event.step).update(step=event.step)
    job_finish(TrainingRun, run.pk, result=event.payload, cancelled=True)
    _runs(run).update(message="")


_HANDLERS = {
    "started": _started,
    "heartbeat": _heartbeat,
    "metrics": _metrics,
    "generations": _generations,
    "checkpoint": _checkpoint,
    "finished": _finished,
    "failed": _failed,
    "cancelled": _cancelled,
}
