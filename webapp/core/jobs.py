"""One lifecycle for every job row (DESIGN.md "Queues"): create, claim, heartbeat, cancel,
finish, reap.

Every task moves its row through :func:`job_run`::

    @django_task(name="atomlab.cpu.something")
    def something_task(job_id: int) -> dict | None:
        return job_run(BackgroundJob, job_id, lambda ctx: do_the_work(ctx))

``job_run`` claims the row with a conditional update (a queued row, or a running row whose
heartbeat is older than :data:`STALE_AFTER_SECONDS`, which is how a task re-delivered after
its worker died takes its job back), beats the heartbeat from a thread while the work runs,
lets the work poll :meth:`JobContext.should_stop`, and finishes the row as succeeded, failed
(with the error) or cancelled. Heartbeats and the finish are conditional on the claim's
``attempt``, so a worker that was presumed dead cannot overwrite what the reaper or a newer
attempt wrote.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.apps import apps
from django.contrib import messages
from django.db import connection, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from webapp.accounts.models import User
from webapp.core.jobtime import span_seconds
from webapp.core.models import (
    HEARTBEAT_SECONDS,
    REAP_AFTER_SECONDS,
    STALE_AFTER_SECONDS,
    BackgroundJob,
    JobBase,
    JobStatus,
)

log = logging.getLogger(__name__)

J = TypeVar("J", bound=JobBase)

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


#: Sent once :func:`job_finish` (or :func:`job_cancel`, for a row it closes itself) has closed
#: a row (``sender`` the model, ``pk``, ``status``), so what waits on a job (a study's next
#: arm) can move on without polling. Rows the reaper fails send nothing; whoever waits also
#: checks periodically.
job_finished = Signal()


class JobCancelled(Exception):
    """Raised by work that stops at a cancel request; :func:`job_run` records it as cancelled
    with the partial ``result`` it carries."""

    def __init__(self, result: dict[str, Any] | None = None) -> None:
        super().__init__("cancelled")
        self.result = result or {}


class JobBusy(Exception):
    """The row is running under a worker whose heartbeat is fresh: this delivery is a
    duplicate (the broker re-delivered the message after its visibility timeout) or came
    back from a pool child that was just killed (its heartbeat has not gone stale yet).
    :func:`webapp.core.tasking.job_task` turns it into a retry after ``retry_in`` seconds, by
    which time the row is either finished (the retry is dropped) or stale (it re-claims)."""

    def __init__(self, model: type[JobBase], pk: int) -> None:
        super().__init__(f"{model.__name__} #{pk} is running under a live worker")
        self.retry_in = STALE_AFTER_SECONDS + HEARTBEAT_SECONDS


class JobError(Exception):
    """A failure the work explains itself (bad input, not a bug): recorded as the bare
    message, without the exception's type name, and never re-raised."""


class JobContext:
    """What running work sees of its row: progress, the cancel flag, the claim's attempt."""

    def __init__(self, model: type[JobBase], pk: int, attempt: int) -> None:
        self.model = model
        self.pk = pk
        self.attempt = attempt
        self.cancel_seen = False
        self._checked_at = 0.0

    def _mine(self) -> Any:
        return self.model._default_manager.filter(pk=self.pk, attempt=self.attempt, status=JobStatus.RUNNING)

    def row(self) -> JobBase:
        return self.model._default_manager.get(pk=self.pk)

    def progress(
        self,
        done: int,
        total: int | None = None,
        message: str = "",
        counters: dict[str, Any] | None = None,
    ) -> None:
        """Record progress (and a heartbeat) with one narrow UPDATE."""
        fields: dict[str, Any] = {
            "done": done,
            "heartbeat_at": timezone.now(),
            "message": message[:300],
        }
        if total is not None:
            fields["total"] = total
        if counters is not None:
            fields["counters"] = counters
        self._mine().update(**fields)

    def should_stop(self, *, every: float = 0.0) -> bool:
        """True once cancel was asked (or the row is no longer this attempt's: the reaper
        failed it, or another attempt took it). ``every`` limits the queries to one per that
        many seconds for work that asks in a tight loop."""
        if self.cancel_seen:
            return True
        now = time.monotonic()
        if every and now - self._checked_at < every:
            return False
        self._checked_at = now
        still_mine = (
            self.model._default_manager.filter(pk=self.pk, attempt=self.attempt, status=JobStatus.RUNNING)
            .values_list("cancel_requested", flat=True)
            .first()
        )
        if still_mine is None or still_mine:
            self.cancel_seen = True
        return self.cancel_seen


def stale_before(seconds: float = STALE_AFTER_SECONDS) -> Any:
    return timezone.now() - timedelta(seconds=seconds)


def job_create(*, kind: str, by: User | None, params: dict[str, Any] | None = None) -> BackgroundJob:
    """A queued job row; the caller enqueues the task with its id on commit."""
    return BackgroundJob.objects.create(kind=kind, created_by=by, params=params or {})


def job_claim(model: type[JobBase], pk: int, *, total: int | None = None) -> int | None:
    """Mark a queued row running, or take back a running row whose heartbeat went stale
    (its worker died and the broker re-delivered the task). Returns the claim's attempt
    number, or ``None`` when the row is finished, cancelled or alive under another worker."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=stale_before(), cancel_requested=False
    )
    row = (
        model._default_manager.filter(pk=pk)
        .values("attempt", "started_at", "heartbeat_at", "earlier_seconds")
        .first()
    )
    if row is None:
        return None
    current = row["attempt"]
    fields: dict[str, Any] = {
        "status": JobStatus.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "attempt": current + 1,
        # The span that ended (a dead attempt's, up to its last beat; an evaluation's generation)
        "earlier_seconds": row["earlier_seconds"] + span_seconds(row["started_at"], row["heartbeat_at"]),
    }
    if total is not None:
        fields["total"] = total
    changed = model._default_manager.filter(claimable, pk=pk, attempt=current).update(**fields)
    return current + 1 if changed == 1 else None


def job_finish(
    model: type[JobBase],
    pk: int,
    *,
    attempt: int | None = None,
    result: dict[str, Any] | None = None,
    error: str = "",
    cancelled: bool = False,
) -> bool:
    """Close the row as succeeded, failed (``error`` given) or cancelled (``cancelled``).
    With ``attempt``, only while the row is still that attempt's running claim. False when
    nothing was written."""
    status = JobStatus.FAILED if error else JobStatus.CANCELLED if cancelled else JobStatus.SUCCEEDED
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "result": result or {},
        "error": error,
    }
    if status == JobStatus.SUCCEEDED:
        fields["done"] = F("total")
    rows = model._default_manager.filter(pk=pk).exclude(status__in=FINISHED)
    if attempt is not None:
        rows = rows.filter(attempt=attempt)
    closed = rows.update(**fields) == 1
    if closed:
        job_finished.send(sender=model, pk=pk, status=status)
    return closed


class _Heartbeat(threading.Thread):
    """Beats ``heartbeat_at`` every HEARTBEAT_SECONDS while the work runs, on its own
    database connection, so a long unit of work (a sandbox batch, a training step) does not
    look dead."""

    def __init__(self, ctx: JobContext, interval: float) -> None:
        super().__init__(name=f"heartbeat-{ctx.model.__name__}-{ctx.pk}", daemon=True)
        self.ctx = ctx
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    self.ctx._mine().update(heartbeat_at=timezone.now())
                except Exception:  # a lost database is the reaper's business, not a crash
                    log.exception("heartbeat of %s #%s failed", self.ctx.model.__name__, self.ctx.pk)
        finally:
            connection.close()


def job_run(
    model: type[J],
    pk: int,
    work: Callable[[JobContext], dict[str, Any] | None],
    *,
    total: int | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    reraise: bool = False,
) -> dict[str, Any] | None:
    """Claim the row, run ``work(ctx)`` with a heartbeat, finish the row.

    ``work`` returns the result to store. It raises :class:`JobCancelled` (or returns after
    :meth:`JobContext.should_stop` said True) to end as cancelled; any other exception ends
    the row as failed with ``Type: message``. Returns the result, or ``None`` when the row
    could not be claimed because it is finished, cancelled or gone. Raises :class:`JobBusy`
    when another worker's claim is alive (see :func:`webapp.core.tasking.job_task`)."""
    attempt = job_claim(model, pk, total=total)
    if attempt is None:
        if model._default_manager.filter(pk=pk, status=JobStatus.RUNNING, cancel_requested=False).exists():
            raise JobBusy(model, pk)
        return None
    ctx = JobContext(model, pk, attempt)
    beat = _Heartbeat(ctx, heartbeat_seconds)
    beat.start()
    try:
        result = work(ctx)
    except JobCancelled as stop:
        job_finish(model, pk, attempt=attempt, result=stop.result, cancelled=True)
        return stop.result
    except JobError as exc:
        job_finish(model, pk, attempt=attempt, error=str(exc)[:10_000])
        return None
    except Exception as exc:
        job_finish(model, pk, attempt=attempt, error=f"{type(exc).__name__}: {exc}"[:10_000])
        log.exception("%s #%s failed", model.__name__, pk)
        if reraise:
            raise
        return None
    finally:
        beat.stopped.set()
        beat.join(timeout=5)
    if ctx.cancel_seen:
        job_finish(model, pk, attempt=attempt, result=result, cancelled=True)
    else:
        job_finish(model, pk, attempt=attempt, result=result)
    return result


#: What a job row says when its task could not be sent.
ENQUEUE_FAILED = "Could not queue the job: the broker (Redis) is unreachable"


def job_enqueue(task: Any, model: type[JobBase], pk: int) -> None:
    """Send ``task(pk)`` once the surrounding transaction commits (at once outside one).

    Every place that starts a job goes through here. When the message cannot be sent (Redis
    is down), the row is failed with :data:`ENQUEUE_FAILED` and the cause instead of staying
    queued forever; the caller reads the row back (:func:`job_enqueue_error`) to tell the
    user."""

    def send() -> None:
        try:
            task.apply_async(args=[pk])
        except Exception as exc:
            log.error("could not send %s for %s #%s: %s", task.name, model.__name__, pk, exc)
            job_finish(model, pk, error=f"{ENQUEUE_FAILED} ({type(exc).__name__}: {exc})."[:10_000])

    transaction.on_commit(send)


def job_enqueue_stamped(task: Any, model: type[JobBase], pk: int, **waiting: Any) -> None:
    """:func:`job_enqueue` for a row that waits in a second queue (a phase after the first,
    named by ``waiting``, e.g. ``phase="judging"``): ``heartbeat_at`` records when the message
    was sent, so that :func:`queued_resend_hook` can tell a lost message from a fresh one."""
    model._default_manager.filter(pk=pk, status=JobStatus.QUEUED, **waiting).update(
        heartbeat_at=timezone.now()
    )
    job_enqueue(task, model, pk)


def queued_resend_hook(model: type[JobBase], task_of: Callable[[], Any], **waiting: Any) -> Callable[[], int]:
    """A reap hook (register it once, in ``AppConfig.ready``, with :func:`register_reap_hook`)
    for rows sent with :func:`job_enqueue_stamped`: a row still queued (``waiting``) whose
    message has waited longer than the reaper's limit (lost with a Redis that restarted
    empty, or sent to a worker that died before taking it) is sent again, or, with the broker
    down, failed with the reason (:data:`ENQUEUE_FAILED`). Safe: the job claims its row once,
    and a surplus copy finds it running or finished. The hook returns how many it sent.
    ``task_of`` names the task lazily (tasks import services, services import this)."""

    def resend() -> int:
        stale = model._default_manager.filter(
            status=JobStatus.QUEUED, heartbeat_at__lt=stale_before(REAP_AFTER_SECONDS), **waiting
        )
        sent = 0
        for pk in list(stale.values_list("pk", flat=True)):
            with transaction.atomic():
                job_enqueue_stamped(task_of(), model, pk, **waiting)
            sent += 1
        if sent:
            log.warning("sent %d queued %s job(s) again (their message was lost)", sent, model.__name__)
        return sent

    resend.__qualname__ = f"queued_resend_hook({model.__name__})"
    return resend


def job_enqueue_error(job: JobBase) -> str | None:
    """The row's error when sending its task failed (read fresh from the database), else
    ``None``: views show it to whoever started the job."""
    job.refresh_from_db(fields=["status", "error", "finished_at", "result", "done"])
    if job.status == JobStatus.FAILED and job.error.startswith(ENQUEUE_FAILED):
        return job.error
    return None


def job_enqueue_report(request: HttpRequest, job: JobBase | None) -> bool:
    """After a view started ``job``: when its task could not be sent, tell the user (a
    message on the next page, which also shows the failed job with the reason) and return
    True."""
    if job is None:
        return False
    problem = job_enqueue_error(job)
    if problem:
        messages.error(request, problem)
    return problem is not None


def job_cancel(job: JobBase) -> bool:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops at its next
    check of :meth:`JobContext.should_stop`, and one whose heartbeat went stale (its worker
    is gone) is cancelled at once. False when the job had already finished."""
    model = type(job)
    now = timezone.now()
    closed = model._default_manager.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now
    ) or model._default_manager.filter(
        pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=stale_before()
    ).update(
        status=JobStatus.CANCELLED,
        cancel_requested=True,
        finished_at=now,
        error="Cancelled while its worker was not answering (no heartbeat).",
    )
    if closed:
        # Closed here rather than by job_finish: whoever waits on the job hears it the same way.
        job_finished.send(sender=model, pk=job.pk, status=JobStatus.CANCELLED)
        return True
    return bool(
        model._default_manager.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    )


def job_models() -> list[type[JobBase]]:
    """Every concrete model with the shared lifecycle (the reaper walks all of them)."""
    return [m for m in apps.get_models() if issubclass(m, JobBase)]


#: Checks apps run before each reap, registered from their ``AppConfig.ready`` (core imports
#: no app): a job kind whose workers keep liveness elsewhere (training runs and evaluations:
#: the GPU worker's Redis heartbeat) refreshes, fails or kills its rows first.
_REAP_HOOKS: list[Callable[[], Any]] = []


def register_reap_hook(hook: Callable[[], Any]) -> None:
    """Run ``hook()`` before every reap (registering the same hook twice is a no-op)."""
    if hook not in _REAP_HOOKS:
        _REAP_HOOKS.append(hook)


def jobs_reap() -> dict[str, int]:
    """Run the registered reap hooks, then fail every running row whose heartbeat is older
    than REAP_AFTER_SECONDS, with the reason. Returns how many rows of each model it failed."""
    for hook in _REAP_HOOKS:
        try:
            hook()
        except Exception:  # one app's check (its Redis down) must not stop the reaper
            log.exception("reap hook %s failed", getattr(hook, "__qualname__", hook))
    reason = (
        f"No heartbeat for more than {REAP_AFTER_SECONDS} s: the worker running it died or "
        "lost the database. Failed by the reaper."
    )
    reaped: dict[str, int] = {}
    for model in job_models():
        n = model._default_manager.filter(
            status=JobStatus.RUNNING, heartbeat_at__lt=stale_before(REAP_AFTER_SECONDS)
        ).update(status=JobStatus.FAILED, finished_at=timezone.now(), error=reason)
        if n:
            reaped[model._meta.label] = n
            log.warning("reaper failed %d stale %s row(s)", n, model._meta.label)
    return reaped
