"""The tail of a GPU worker's log for one job, as its pages show it ("Worker log"): the
lines the worker sent as ``log_batch`` events (:mod:`training_worker.joblog`), newest last.

One reader for every job: a training run's batches are its ``RunEvent`` rows (the training
app passes their payloads to :func:`tail_of`); jobs without an event table of their own
(evaluations, playground requests) store each batch, and each ``log`` event as a batch of
one line, as a :class:`JobLogBatch` with :func:`log_batch_store` and read it with
:func:`job_log_tail`. The page part is
``core/log_tail.html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from training_worker.contracts import ProgressEvent
from webapp.core.models import JobLogBatch

#: Lines of the worker's log a page shows (the newest).
TAIL_LINES = 200


@dataclass(frozen=True)
class LogLine:
    """One line of the worker's log."""

    time: datetime
    level: str
    logger: str
    message: str


@dataclass(frozen=True)
class LogTail:
    """The newest lines of a job's worker log, oldest first, and how many the worker did not
    send (over its cap)."""

    lines: list[LogLine] = field(default_factory=list)
    dropped: int = 0


def _line(raw: Any) -> LogLine | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("t"), (int, float)):
        return None
    return LogLine(
        time=datetime.fromtimestamp(float(raw["t"]), tz=UTC),
        level=str(raw.get("level", "info")),
        logger=str(raw.get("logger", "")),
        message=str(raw.get("message", "")).rstrip(),
    )


def tail_of(payloads: Iterable[dict[str, Any]], *, limit: int = TAIL_LINES) -> LogTail:
    """The last ``limit`` lines of ``log_batch`` payloads given newest first (read lazily:
    a query sliced to ``limit`` batches is enough, each holds at least one line)."""
    lines: list[LogLine] = []
    dropped = 0
    for payload in payloads:  # newest first
        dropped = max(dropped, int(payload.get("dropped") or 0))
        lines[:0] = [x for x in map(_line, payload.get("lines") or []) if x is not None]
        if len(lines) >= limit:
            break
    return LogTail(lines=lines[-limit:], dropped=dropped)


#: The logger name a ``log`` event's line shows (the worker's own messages about the job).
EVENT_LOGGER = "worker"


def log_batch_store(event: ProgressEvent) -> None:
    """Keep one ``log_batch`` event of ``event.job_id`` (a second delivery changes nothing);
    a ``log`` event (the runner's own message: "model loaded from …") is kept as a batch of
    its one line, so the tail reads in order what the job said and what it logged."""
    payload = event.payload
    if event.type == "log":
        line = {
            "t": event.timestamp,
            "level": str(payload.get("level") or "info"),
            "logger": EVENT_LOGGER,
            "message": str(payload.get("message", "")),
        }
        payload = {"lines": [line], "dropped": 0}
    JobLogBatch.objects.bulk_create(
        [JobLogBatch(job_id=event.job_id, seq=event.seq, payload=payload)], ignore_conflicts=True
    )


def job_log_tail(job_id: str, *, limit: int = TAIL_LINES) -> LogTail:
    """The last ``limit`` lines the worker logged for ``job_id`` (every attempt, in order)."""
    batches = JobLogBatch.objects.filter(job_id=job_id).order_by("-seq").values_list("payload", flat=True)
    return tail_of(batches[:limit], limit=limit)
