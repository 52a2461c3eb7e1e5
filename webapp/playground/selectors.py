"""Reads of the playground; every logged-in user reads every request (history is shared,
read-only for viewers)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from webapp.core.access import can_act_on, require_reader
from webapp.core.models import JobStatus
from webapp.core.queue import GpuJobSource, generation_seconds
from webapp.evaluation.models import Phase
from webapp.mixtures.models import Snapshot
from webapp.mixtures.services.freezing import snapshot_rows
from webapp.playground.models import JOB_PREFIX, PlaygroundRequest

#: Task ids a problem picker lists at most (a snapshot's first ones, in file order).
PICKER_LIMIT = 1000


def request_list(*, fetched_by: Any) -> QuerySet[PlaygroundRequest]:
    """Every request, newest first, with what its history line shows."""
    require_reader(fetched_by)
    return PlaygroundRequest.objects.select_related("created_by", "checkpoint", "snapshot").order_by(
        "-created_at", "-pk"
    )


def request_get(*, request_id: int, fetched_by: Any) -> PlaygroundRequest:
    """One request, or 404."""
    found = request_list(fetched_by=fetched_by).filter(pk=request_id).first()
    if found is None:
        raise Http404(f"no playground request {request_id}")
    return found


def request_can_cancel(*, req: PlaygroundRequest, user: Any) -> bool:
    """Whether ``user`` may cancel ``req`` (its owner or an admin)."""
    return can_act_on(user, req.created_by_id)


def snapshot_choices(*, fetched_by: Any) -> QuerySet[Snapshot]:
    """Snapshots a problem can be picked from, newest first."""
    require_reader(fetched_by)
    return Snapshot.objects.order_by("-created_at")


def task_ids(snapshot: Snapshot, *, limit: int = PICKER_LIMIT) -> list[str]:
    """The first ``limit`` task ids of ``snapshot``, in file order."""
    out: list[str] = []
    for record in snapshot_rows(snapshot):
        out.append(record.task_id)
        if len(out) >= limit:
            break
    return out


#: Playground requests' generate jobs on the GPU queue page (``webapp.core.queue``), beside
#: runs and evaluations; as for an evaluation, only the generating phase is a GPU job (judging
#: runs on the cpu queue). Their own kind: one short prompt is not an evaluation's duration.
REQUESTS_ON_GPU = GpuJobSource(
    prefix=JOB_PREFIX,
    noun="playground request",
    waiting=lambda: PlaygroundRequest.objects.filter(status=JobStatus.QUEUED, phase=Phase.GENERATING),
    running=lambda: PlaygroundRequest.objects.filter(status=JobStatus.RUNNING, phase=Phase.GENERATING),
    finished=lambda: PlaygroundRequest.objects.filter(status=JobStatus.SUCCEEDED).order_by("-finished_at"),
    kind_of=lambda req: "prompt",
    url_of=lambda req: reverse("playground-request", args=[req.pk]),
    gpu_seconds=generation_seconds,
)
