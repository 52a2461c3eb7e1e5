"""The events of a row that waits on a GPU ``generate`` job (an evaluation, a playground
request): one copy of how they are applied, whatever the row's model.

Under a lock on the row, an event for a row no longer generating changes nothing, and a
progress event whose ``seq`` is not above the last one applied changes nothing (the broker may
deliver twice, or out of order), so a late event never moves a row backwards. Ending events
close the row through ``job_finish`` (``job_finished`` fires); ``finished`` hands the row to
its own next step (judging), which each caller names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

from training_worker.contracts import ProgressEvent
from webapp.core.joblog import log_batch_store
from webapp.core.jobs import job_finish
from webapp.core.models import JobStatus
from webapp.evaluation.models import Phase

#: Events that end the generating phase. They are applied whatever ``seq`` came before them:
#: the worker's heartbeat thread may number a beat after the last event, and an events worker
#: with several processes may apply that beat first.
ENDING_EVENTS = ("finished", "failed", "cancelled")

Handler = Callable[[Any, ProgressEvent], None]


@dataclass(frozen=True)
class GenerateEvents:
    """How the events of one kind of generating row are applied.

    ``model`` is a ``JobBase`` with ``phase``, ``last_seq`` and ``heartbeat_at``; its job ids
    are ``prefix`` + pk. ``finished`` moves the row on when generation ends; ``noun`` and
    ``id_noun`` word the answers ("ignored: no such evaluation"); ``cancelled_message`` is
    written on a row cancelled while generating; ``log_as_message`` shows the worker's ``log``
    events as the row's message too."""

    model: Any
    prefix: str
    noun: str
    id_noun: str
    finished: Handler
    cancelled_message: str = ""
    log_as_message: bool = False

    def rows(self, row: Any) -> Any:
        """The row as a queryset (for ``update``)."""
        return self.model.objects.filter(pk=row.pk)

    def _started(self, row: Any, event: ProgressEvent) -> None:
        self.rows(row).filter(status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), message="generating"
        )

    def _generations(self, row: Any, event: ProgressEvent) -> None:
        done, total = int(event.payload.get("done", 0)), int(event.payload.get("total", 0))
        self.rows(row).update(
            done=done, total=total, status=JobStatus.RUNNING, message=f"generated {done} of {total}"
        )

    def _log(self, row: Any, event: ProgressEvent) -> None:
        if self.log_as_message:
            self.rows(row).update(message=str(event.payload.get("message", ""))[:300])
        log_batch_store(event)  # and a line of the worker log tail

    def _failed(self, row: Any, event: ProgressEvent) -> None:
        error = str(event.payload.get("error") or "the GPU worker reported a failure")
        job_finish(self.model, row.pk, error=error[:10_000])

    def _cancelled(self, row: Any, event: ProgressEvent) -> None:
        if job_finish(self.model, row.pk, cancelled=True) and self.cancelled_message:
            self.rows(row).update(message=self.cancelled_message)

    def handler(self, event_type: str) -> Handler | None:
        """What an event type does to a generating row (types not listed, such as
        ``heartbeat``, only prove the worker alive). A new type is one method and one line."""
        handlers: dict[str, Handler] = {
            "started": self._started,
            "generations": self._generations,
            "log": self._log,
            "log_batch": lambda _row, event: log_batch_store(event),  # the page's worker log tail
            "finished": self.finished,
            "failed": self._failed,
            "cancelled": self._cancelled,
        }
        return handlers.get(event_type)

    def apply(self, event: ProgressEvent) -> str:
        """Apply one event once (see the module's docstring). Returns what it did, for logs
        and tests."""
        ident = event.job_id.removeprefix(self.prefix)
        if not ident.isdigit():
            return f"ignored: not {self.id_noun} id"
        with transaction.atomic():
            row = self.model.objects.select_for_update().filter(pk=int(ident)).first()
            if row is None:
                return f"ignored: no such {self.noun}"
            if row.finished or row.phase != Phase.GENERATING:
                return "ignored: already finished or judging"
            if event.type not in ENDING_EVENTS and event.seq <= row.last_seq:
                return f"ignored: seq {event.seq} is not after {row.last_seq}"
            self.rows(row).update(
                last_seq=Greatest("last_seq", Value(event.seq)), heartbeat_at=timezone.now()
            )
            handler = self.handler(event.type)
            if handler is not None:
                handler(row, event)
        return f"applied {event.type}"
