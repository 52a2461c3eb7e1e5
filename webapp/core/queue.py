"""What waits for a GPU worker, in the order the workers take it, what runs now where, and
each worker's memory: the one selector behind ``/queue/`` and every "2nd in line, about 6
minutes" (run, evaluation and study pages).

Core names no app: each app that sends GPU jobs (``webapp.core.dispatch.job_send``)
registers a :class:`GpuJobSource` in its ``AppConfig.ready`` with
:func:`register_gpu_jobs`.

What is exact and what is estimated:

- **Order.** Kombu's Redis transport ``LPUSH``es each message onto the list named after the
  queue and workers ``BRPOP`` from its other end, so the list read backwards is the order
  the workers take (a message given back by a dead worker is pushed on the taking end: it
  goes next). A job found in the list has an exact position. A waiting row whose message is
  not in the list (Redis unreachable, or a message a worker has taken but not yet started)
  is placed after them by creation time and marked estimated.
- **Times.** The wait is the sum of the expected durations of the jobs ahead and of what
  the running jobs have left, divided by the live workers on the queue; each expected
  duration is the median of the last :data:`RECENT` succeeded jobs of the same kind. Always
  an estimate, said with how many finished jobs it comes from; without any, "no estimate".
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from training_worker.control import job_key, redis_client
from training_worker.presence import read_workers
from webapp.core.jobtime import duration_text, job_seconds

#: How many recent finished jobs of a kind make its expected duration.
RECENT = 10

_TASK_ID = re.compile(r"^(?P<job>.+)-a\d+-[0-9a-f]{8}$")


@dataclass(frozen=True)
class GpuJobSource:
    """One app's GPU jobs: how to find its waiting and running rows, name their kind (the
    unit of duration estimates, e.g. a run's method), and show them."""

    prefix: str  # the job ids' prefix, "run-" or "eval-"
    noun: str  # "training run", "evaluation"
    waiting: Callable[[], QuerySet[Any]]
    running: Callable[[], QuerySet[Any]]
    finished: Callable[[], QuerySet[Any]]  # succeeded rows, newest first
    kind_of: Callable[[Any], str]
    url_of: Callable[[Any], str]
    #: The seconds one finished row spent on the GPU (defaults to its whole working time).
    gpu_seconds: Callable[[Any], float] = job_seconds


def generation_seconds(row: Any) -> float:
    """A finished two-phase job's time on the GPU (an evaluation or a playground request:
    generating, then judging on the cpu queue): its generation span (``earlier_seconds``, set
    when judging claimed it), or, for rows from before that was kept, the worker's figure."""
    return float(row.earlier_seconds or (row.counters or {}).get("seconds") or 0.0)


_SOURCES: list[GpuJobSource] = []


def register_gpu_jobs(source: GpuJobSource) -> None:
    """Add an app's GPU jobs to the queue view (once per prefix)."""
    if all(s.prefix != source.prefix for s in _SOURCES):
        _SOURCES.append(source)


@dataclass(frozen=True)
class Estimate:
    """Seconds, estimated from ``jobs`` finished jobs (0: no estimate)."""

    seconds: float
    jobs: int


@dataclass
class Entry:
    """One GPU job on the queue page: waiting (``position`` from 1) or running."""

    job: Any
    source: GpuJobSource
    kind: str
    position: int = 0
    exact: bool = True
    wait: Estimate | None = None  # until a worker takes it (waiting) or it ends (running)
    host: str = ""
    pid: str = ""

    @property
    def job_id(self) -> str:
        """``run-<pk>`` / ``eval-<pk>``."""
        return str(self.job.job_id)

    @property
    def url(self) -> str:
        """The job's page."""
        return self.source.url_of(self.job)

    @property
    def ordinal(self) -> str:
        """ "1st", "2nd", "11th"."""
        n = self.position
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    @property
    def wait_text(self) -> str:
        """ "about 6 min (estimate from 4 finished jobs)", or why there is none."""
        if self.wait is None:
            return "no estimate yet (no finished job of this kind)"
        if self.wait.jobs == 0:
            return "next for a free worker" if not self.host else "no estimate yet"
        verb = "" if self.position else "ends in "
        return (
            f"{verb}about {duration_text(self.wait.seconds)} (an estimate from the median times of "
            f"{self.wait.jobs} finished job{'s' if self.wait.jobs != 1 else ''})"
        )

    @property
    def title(self) -> str:
        """ "training run 12 (sft)"."""
        return f"{self.source.noun} {self.job.pk} ({self.kind})"


@dataclass
class QueueState:
    """The GPU queue now."""

    queue: str
    waiting: list[Entry] = field(default_factory=list)
    running: list[Entry] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    broker_ok: bool = True
    #: Messages of jobs no longer waiting (cancelled): a worker drops each at once.
    dropped_messages: int = 0

    @property
    def serving(self) -> int:
        """Live workers that consume this queue."""
        return sum(1 for w in self.workers if self.queue in w.get("queues", []))

    @property
    def busy(self) -> bool:
        """Whether anything waits or runs (the page polls only then)."""
        return bool(self.waiting or self.running)


def _broker_order(client: Any, queue: str) -> list[str]:
    """Job ids of the messages on ``queue``, next taken first."""
    order = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        try:
            task_id = json.loads(raw)["headers"]["id"]
        except (ValueError, KeyError, TypeError):
            continue
        match = _TASK_ID.match(str(task_id))
        if match:
            order.append(match.group("job"))
    return order


def expected_duration(source: GpuJobSource, kind: str) -> Estimate | None:
    """The median working time of the last :data:`RECENT` succeeded jobs of ``kind``."""
    rows = [r for r in source.finished()[: RECENT * 5] if source.kind_of(r) == kind][:RECENT]
    seconds = [s for s in (source.gpu_seconds(r) for r in rows) if s > 0]
    return Estimate(statistics.median(seconds), len(seconds)) if seconds else None


def _durations() -> Callable[[GpuJobSource, str], Estimate | None]:
    """:func:`expected_duration`, cached for one page."""
    cache: dict[tuple[str, str], Estimate | None] = {}

    def expected(source: GpuJobSource, kind: str) -> Estimate | None:
        if (source.prefix, kind) not in cache:
            cache[(source.prefix, kind)] = expected_duration(source, kind)
        return cache[(source.prefix, kind)]

    return expected


def _running(client: Any, expected: Callable[[GpuJobSource, str], Estimate | None]) -> list[Entry]:
    """Running GPU jobs with where they run (the job lock's token: ``host:pid:…``) and
    what they have left."""
    entries = []
    for source in _SOURCES:
        for job in source.running():
            kind = source.kind_of(job)
            entry = Entry(job, source, kind)
            token = client.get(job_key(job.job_id, "lock")) if client is not None else None
            if token:
                entry.host, entry.pid = (token.decode() if isinstance(token, bytes) else token).split(":")[:2]
            typical = expected(source, kind)
            if typical is not None:
                entry.wait = Estimate(max(0.0, typical.seconds - job_seconds(job)), typical.jobs)
            entries.append(entry)
    return entries


def _waiting(order: list[str]) -> list[Entry]:
    """Waiting jobs: those with a message in broker order (exact), then the others by
    creation (estimated)."""
    rank = {job_id: i for i, job_id in enumerate(order)}
    entries = [Entry(j, s, s.kind_of(j)) for s in _SOURCES for j in s.waiting()]
    for e in entries:
        e.exact = e.job_id in rank
    entries.sort(key=lambda e: (0, rank[e.job_id], 0.0) if e.exact else (1, 0, e.job.created_at.timestamp()))
    for i, e in enumerate(entries, start=1):
        e.position = i
    return entries


def _estimate_waits(state: QueueState, expected: Callable[[GpuJobSource, str], Estimate | None]) -> None:
    """Each waiting job's wait: what runs has left plus the jobs ahead, over the workers."""
    workers = max(1, state.serving)
    ahead: Estimate | None = Estimate(0.0, 0)
    for e in state.running:
        ahead = _add(ahead, e.wait)
    counted: set[tuple[str, str]] = set()
    for e in state.waiting:
        e.wait = Estimate(ahead.seconds / workers, ahead.jobs) if ahead is not None else None
        key = (e.source.prefix, e.kind)
        typical = expected(e.source, e.kind)
        ahead = _add(
            ahead, typical if key not in counted or typical is None else Estimate(typical.seconds, 0)
        )
        counted.add(key)


def _add(total: Estimate | None, part: Estimate | None) -> Estimate | None:
    if total is None or part is None:
        return None
    return Estimate(total.seconds + part.seconds, total.jobs + part.jobs)


def gpu_queue() -> QueueState:
    """The GPU queue (``settings.TRAINING_QUEUE``) now: waiting jobs in the order the workers
    take them, running jobs with their host and pid, live workers with their memory."""
    state = QueueState(queue=settings.TRAINING_QUEUE)
    client: Any = None
    order: list[str] = []
    try:
        client = redis_client(settings.REDIS_URL)
        order = _broker_order(client, state.queue)
        # The workers that take this queue's jobs (others, on other queues, are not its).
        state.workers = [w for w in read_workers(client) if state.queue in w.get("queues", [])]
    except Exception:  # Redis away: the database still says what waits
        state.broker_ok, client = False, None
    expected = _durations()
    state.running = _running(client, expected)
    state.waiting = _waiting(order)
    waiting_ids = {e.job_id for e in state.waiting}
    state.dropped_messages = sum(1 for job_id in order if job_id not in waiting_ids)
    _estimate_waits(state, expected)
    return state


def queue_positions() -> dict[str, Entry]:
    """Every waiting and running GPU job's entry by job id (one read for a page of many)."""
    state = gpu_queue()
    return {e.job_id: e for e in state.waiting + state.running}


def position_of(job_id: str) -> Entry | None:
    """The queue entry of one job (waiting or running), or None."""
    state = gpu_queue()
    return next((e for e in state.waiting + state.running if e.job_id == job_id), None)
