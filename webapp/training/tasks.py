"""The ``events`` queue's task: one ProgressEvent from a GPU worker into the database.

The name is fixed by the worker (``training_worker.events.EVENTS_TASK``), which sends it by
name without importing Django.
"""

from __future__ import annotations

import logging

from training_worker.contracts import ContractError, ProgressEvent
from webapp.core.tasking import django_task

log = logging.getLogger(__name__)


@django_task(name="atomlab.events.progress")
def progress_task(event_json: str) -> bool:
    """Apply one event (safe to run twice: the second does nothing). A malformed event is
    logged and dropped: it cannot be retried into shape."""
    from webapp.training.progress import event_apply

    try:
        event = ProgressEvent.from_json(event_json)
    except ContractError as exc:
        log.error("atomlab.events.progress: dropped a malformed event: %s", exc)
        return False
    return event_apply(event)
