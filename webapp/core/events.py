"""Progress events from GPU workers into the database: one Celery task, dispatched by the
job id's prefix (DESIGN.md, "Wire contracts").

Every kind of GPU job has a job id ``<prefix>-<pk>`` (``run-7`` for a training run,
``eval-3`` for an evaluation). The app that owns the prefix registers a handler in its
``AppConfig.ready``::

    register_event_handler("eval-", apply_eval_event)

and the task ``atomlab.events.progress`` (queue ``events``) parses the event and calls the
handler whose prefix the job id starts with. Handlers apply an event idempotently by
``(job_id, seq)``: the broker may deliver a message twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from training_worker.contracts import ContractError, ProgressEvent
from webapp.core.tasking import django_task

log = logging.getLogger(__name__)

EventHandler = Callable[[ProgressEvent], Any]

_HANDLERS: dict[str, EventHandler] = {}


def register_event_handler(prefix: str, handler: EventHandler) -> None:
    """Route events whose job id starts with ``prefix`` to ``handler``; registering the same
    prefix twice with a different handler is a programming error."""
    known = _HANDLERS.get(prefix)
    if known is not None and known is not handler:
        raise ValueError(f"job id prefix {prefix!r} already has a handler ({known.__qualname__})")
    _HANDLERS[prefix] = handler


def handler_for(job_id: str) -> EventHandler | None:
    """The handler of the longest registered prefix of ``job_id``."""
    matches = [p for p in _HANDLERS if job_id.startswith(p)]
    return _HANDLERS[max(matches, key=len)] if matches else None


def dispatch_event(event: ProgressEvent) -> Any:
    """Apply one event through its handler; an event nobody claims is logged and dropped."""
    handler = handler_for(event.job_id)
    if handler is None:
        log.warning(
            "no handler for events of job %s (seq %s, %s); dropped", event.job_id, event.seq, event.type
        )
        return None
    return handler(event)


@django_task(name="atomlab.events.progress")
def progress_task(event_json: str) -> Any:
    """One ProgressEvent (its JSON, as ``training_worker.events.CelerySink`` sends it). A
    malformed event is logged and dropped: re-delivering it would fail the same way."""
    try:
        event = ProgressEvent.from_json(event_json)
    except ContractError:
        log.exception("malformed progress event dropped: %.500s", event_json)
        return None
    return dispatch_event(event)
