"""Progress events out of a job: an :class:`Emitter` that numbers them and pluggable sinks.

- :class:`CelerySink` sends each event as task ``atomlab.events.progress`` on queue
  ``events`` (by name: the Django side registers that task), one JSON string argument.
- :class:`JsonlSink` writes one JSON line per event (the CLI: stdout or a file).
- :class:`ListSink` keeps them in memory (tests).
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any, Protocol

from training_worker.contracts import TERMINAL_EVENTS, ProgressEvent

EVENTS_TASK = "atomlab.events.progress"
EVENTS_QUEUE = "events"


class EventSink(Protocol):
    """Where events go."""

    def emit(self, event: ProgressEvent) -> None:
        """Deliver one event (may block briefly; must not reorder)."""
        ...


class ListSink:
    """Keeps every event (tests, and the CLI's summary)."""

    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []
        self._lock = threading.Lock()

    def emit(self, event: ProgressEvent) -> None:
        """Append the event."""
        with self._lock:
            self.events.append(event)

    def of_type(self, kind: str) -> list[ProgressEvent]:
        """The events of one type, in order."""
        with self._lock:
            return [e for e in self.events if e.type == kind]


class JsonlSink:
    """One JSON line per event on a text stream, flushed at once."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: ProgressEvent) -> None:
        """Write the event as one line."""
        with self._lock:
            self.stream.write(event.to_json() + "\n")
            self.stream.flush()


class CelerySink:
    """Sends events to the web side through the broker, by task name."""

    def __init__(self, app: Any, *, task: str = EVENTS_TASK, queue: str = EVENTS_QUEUE) -> None:
        self.app, self.task, self.queue = app, task, queue
        self._lock = threading.Lock()

    def emit(self, event: ProgressEvent) -> None:
        """``send_task(task, args=[event JSON], queue=events)``; the lock keeps the heartbeat
        thread and the training loop from interleaving on one producer."""
        with self._lock:
            self.app.send_task(self.task, args=[event.to_json()], queue=self.queue)


class FanoutSink:
    """Every event to several sinks (e.g. Celery and a local JSONL log)."""

    def __init__(self, sinks: Iterable[EventSink]) -> None:
        self.sinks = list(sinks)

    def emit(self, event: ProgressEvent) -> None:
        """Emit to each sink in turn."""
        for sink in self.sinks:
            sink.emit(event)


class HoldEnding:
    """Passes every event to ``sink`` but the ending ones (finished, failed, cancelled): a
    rank of a job of several processes leaves those to its parent (training_worker.ranks)."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink

    def emit(self, event: ProgressEvent) -> None:
        """Emit unless ``event`` ends the job."""
        if event.type not in TERMINAL_EVENTS:
            self.sink.emit(event)


class Emitter:
    """Numbers a job's events and hands them to a sink. Thread-safe: the heartbeat thread
    and the training loop share one.

    ``next_seq`` supplies sequence numbers; the default counts from 1 in this process. The
    Celery path passes a Redis counter so that a resumed job continues its numbering."""

    def __init__(self, job_id: str, sink: EventSink, *, next_seq: Callable[[], int] | None = None) -> None:
        self.job_id = job_id
        self.sink = sink
        self._counter = 0
        self._next_seq = next_seq or self._local_seq
        self._lock = threading.Lock()
        self.step = 0
        self.closed = False

    def _local_seq(self) -> int:
        self._counter += 1
        return self._counter

    def emit(
        self, type: str, payload: dict[str, Any] | None = None, *, step: int | None = None
    ) -> ProgressEvent | None:
        """Send one event; ``step`` defaults to the last step seen. After a terminal event
        (finished, failed, cancelled) nothing more is sent (a late heartbeat is dropped)."""
        with self._lock:
            if self.closed:
                return None
            if step is not None:
                self.step = max(self.step, step)
            event = ProgressEvent(
                job_id=self.job_id,
                seq=self._next_seq(),
                type=type,
                step=self.step if step is None else step,
                payload=json_safe(payload or {}),
                timestamp=time.time(),
            )
            self.sink.emit(event)
            if type in TERMINAL_EVENTS:
                self.closed = True
            return event

    def log(self, message: str, level: str = "info", *, step: int | None = None) -> None:
        """A ``log`` event."""
        self.emit("log", {"level": level, "message": message[:4000]}, step=step)


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as None and unknown objects as strings, so that an
    odd metric never breaks the event stream."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # numpy / torch scalars
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
