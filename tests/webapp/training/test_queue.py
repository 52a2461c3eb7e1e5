"""The GPU queue (``webapp.core.queue``, ``/queue/``): jobs in the order the broker hands them
out, their places and estimated waits on their own pages, a worker's memory from a real
worker process, and a run's duration over its attempts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker, wait_for
from training_worker.contracts import ProgressEvent
from training_worker.presence import read_workers
from webapp.core.jobs import job_claim
from webapp.core.jobtime import job_seconds, ran_for
from webapp.core.models import BackgroundJob, JobStatus
from webapp.core.protocol import Protocol
from webapp.core.queue import gpu_queue, position_of
from webapp.evaluation.models import EvalRun, Phase
from webapp.evaluation.services import evalrun_create
from webapp.training.models import Checkpoint, TrainingRun
from webapp.training.progress import event_apply
from webapp.training.services import LaunchRequest, run_launch, run_resume

pytestmark = pytest.mark.django_db(transaction=True)


def _launch(user: Any, snapshot: Any, name: str) -> TrainingRun:
    request = LaunchRequest(
        method="sft", model="default", train_snapshot=snapshot, config={"max_steps": 2}, name=name
    )
    return run_launch(by=user, request=request)


def _finished_sft(user: Any, snapshot: Any, seconds: float) -> TrainingRun:
    """A succeeded SFT run that worked ``seconds`` (the history estimates come from)."""
    end = timezone.now() - timedelta(hours=1)
    return TrainingRun.objects.create(
        method="sft", model="default", train_snapshot=snapshot, created_by=user, status=JobStatus.SUCCEEDED,
        started_at=end - timedelta(seconds=seconds), finished_at=end, attempt=1,
    )  # fmt: skip


def _page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_queued_jobs_are_placed_in_the_order_the_broker_hands_them_out(
    researcher: Any, redis_client: Any
) -> None:
    snapshot = make_snapshot()
    suite = make_snapshot(role="eval")
    first, second = _launch(researcher, snapshot, "first"), _launch(researcher, snapshot, "second")
    evaluation = evalrun_create(by=researcher, model="default", snapshots=[suite], protocol=Protocol(n=1))
    third = _launch(researcher, snapshot, "third")
    queue = str(gpu_queue().queue)
    assert redis_client.llen(queue) == 4  # sent, and nobody consumes this test's queue
    # A queued row whose message is not on the broker's list goes last, its place estimated.
    lost = TrainingRun.objects.create(
        method="sft", model="default", train_snapshot=snapshot, created_by=researcher
    )

    state = gpu_queue()
    order = [first.job_id, second.job_id, evaluation.job_id, third.job_id, lost.job_id]
    assert [e.job_id for e in state.waiting] == order
    assert [e.position for e in state.waiting] == [1, 2, 3, 4, 5]
    assert [e.exact for e in state.waiting] == [True, True, True, True, False]
    assert [e.kind for e in state.waiting] == ["sft", "sft", "generate", "sft", "sft"]
    assert state.running == [] and state.broker_ok

    html = _page(researcher, reverse("queue"))
    rows = [html.index(f'data-job="{job_id}"') for job_id in order]
    assert rows == sorted(rows)
    assert "2nd" in html and "(est.)" in html and 'hx-trigger="every 5s"' in html
    # The evaluation's page loads its place; the fragment says it.
    assert f"?job={evaluation.job_id}" in _page(researcher, reverse("eval-run", args=[evaluation.pk]))
    assert "3rd in line" in _page(researcher, f"{reverse('queue')}?job={evaluation.job_id}")


def test_a_place_says_its_estimated_wait_and_from_how_many_jobs(researcher: Any) -> None:
    snapshot = make_snapshot()
    first, second = _launch(researcher, snapshot, "a"), _launch(researcher, snapshot, "b")
    fragment = _page(researcher, f"{reverse('queue')}?job={first.job_id}")
    assert "1st in line" in fragment and "next for a free worker" in fragment
    fragment = _page(researcher, f"{reverse('queue')}?job={second.job_id}")
    assert "2nd in line" in fragment and "no estimate yet" in fragment

    for seconds in (60, 120, 300):  # median 120 s
        _finished_sft(researcher, snapshot, seconds)
    entry = position_of(second.job_id)
    assert entry is not None and entry.wait is not None
    assert entry.wait.seconds == pytest.approx(120, abs=1) and entry.wait.jobs == 3
    fragment = _page(researcher, f"{reverse('queue')}?job={second.job_id}")
    assert "2nd in line</a>, about 2 min (an estimate from the median times of 3 finished jobs)" in fragment
    # The run's own page loads that fragment; a finished job has no place and stops asking.
    assert f"?job={second.job_id}" in _page(researcher, reverse("run", args=[second.pk]))
    TrainingRun.objects.filter(pk=second.pk).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
    assert "every 5s" not in _page(researcher, f"{reverse('queue')}?job={second.job_id}")


def test_the_queue_page_says_when_nothing_waits_and_no_worker_reports(viewer: Any, settings: Any) -> None:
    # A queue of its own: workers other tests left running serve theirs, not this one.
    settings.TRAINING_QUEUE = f"gpu-empty-{uuid.uuid4().hex[:6]}"
    html = _page(viewer, reverse("queue"))
    assert "Nothing waits for a GPU worker." in html and "No GPU job runs now." in html
    assert "No GPU worker has reported" in html and 'hx-trigger="every 5s"' not in html


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_a_real_gpu_worker_reports_its_memory_on_the_queue_page(
    researcher: Any, gpu_queue: str, tmp_path: Path, pool: str
) -> None:
    """The process that runs the jobs reports: the worker itself with a solo pool, its pool
    child with prefork (``make run``), never both."""
    worker = GpuWorker(gpu_queue, str(tmp_path), pool=pool)
    try:

        def reported() -> list[dict[str, Any]]:
            return [w for w in read_workers_now() if gpu_queue in w["queues"]]

        (record,) = wait_for(reported, timeout=60, what="the worker's presence key")
        if pool == "solo":
            assert record["pid"] == worker.proc.pid
        else:
            assert _parent_of(record["pid"]) == worker.proc.pid
        assert record["rss_bytes"] > 20 * 1024 * 1024  # a Python process with Celery loaded
        assert record["job_id"] is None
        html = _page(researcher, reverse("queue"))
        row = html.split(f'data-pid="{record["pid"]}"', 1)[1].split("</tr>", 1)[0]
        assert "idle" in row and "MB" in row and gpu_queue in row
    finally:
        worker.stop()


def read_workers_now() -> list[dict[str, Any]]:
    from django.conf import settings

    from training_worker.control import redis_client

    return read_workers(redis_client(settings.REDIS_URL))


def _event(run: TrainingRun, seq: int, kind: str, at: float, step: int = 0) -> None:
    event_apply(ProgressEvent(job_id=run.job_id, seq=seq, type=kind, step=step, payload={}, timestamp=at))


def test_a_resumed_runs_duration_counts_both_attempts(researcher: Any) -> None:
    snapshot = make_snapshot()
    run = _launch(researcher, snapshot, "twice")
    t0 = timezone.now().timestamp() - 600
    _event(run, 1, "started", t0)
    Checkpoint.objects.create(run=run, step=1, uri="file:///nowhere/ckpt-1")
    # The first attempt worked 150 s, then failed.
    TrainingRun.objects.filter(pk=run.pk).update(
        status=JobStatus.FAILED, finished_at=datetime.fromtimestamp(t0 + 150, tz=UTC),
        heartbeat_at=datetime.fromtimestamp(t0 + 148, tz=UTC),
    )  # fmt: skip
    run.refresh_from_db()
    run = run_resume(run=run, by=researcher)
    assert run.attempt == 2 and run.started_at is None
    assert run.earlier_seconds == pytest.approx(150, abs=0.01)
    _event(run, 2, "started", t0 + 300)
    TrainingRun.objects.filter(pk=run.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=datetime.fromtimestamp(t0 + 360, tz=UTC)
    )
    run.refresh_from_db()
    assert job_seconds(run) == pytest.approx(210, abs=0.01)
    assert ran_for(run) == "3 min 30 s over 2 attempts"
    assert "ran 3 min 30 s over 2 attempts" in _page(researcher, reverse("run", args=[run.pk]))
    assert "3 min 30 s over 2 attempts" in _page(researcher, reverse("runs"))


def test_a_reclaimed_job_keeps_the_time_of_the_attempt_that_died(db: Any) -> None:
    job = BackgroundJob.objects.create(kind="test.reclaim")
    assert job_claim(BackgroundJob, job.pk) == 1
    long_ago = timezone.now() - timedelta(minutes=10)
    BackgroundJob.objects.filter(pk=job.pk).update(
        started_at=long_ago, heartbeat_at=long_ago + timedelta(seconds=95)
    )
    assert job_claim(BackgroundJob, job.pk) == 2  # stale: taken back
    job.refresh_from_db()
    assert job.earlier_seconds == pytest.approx(95, abs=0.01)


def test_an_evaluations_duration_counts_its_generation_and_its_judging(researcher: Any) -> None:
    suite = make_snapshot(role="eval")
    run = evalrun_create(
        by=researcher, model="default", snapshots=[suite], protocol=Protocol(n=1), dispatch=False
    )
    t0 = timezone.now() - timedelta(minutes=10)
    # Generated for 80 s, then queued for judging (what the ``finished`` event does).
    EvalRun.objects.filter(pk=run.pk).update(
        status=JobStatus.QUEUED, phase=Phase.JUDGING, started_at=t0, heartbeat_at=t0 + timedelta(seconds=80)
    )
    assert job_claim(EvalRun, run.pk) == 1  # the judging job claims it
    EvalRun.objects.filter(pk=run.pk).update(
        status=JobStatus.SUCCEEDED, phase=Phase.DONE, started_at=t0 + timedelta(seconds=90),
        finished_at=t0 + timedelta(seconds=100),
    )  # fmt: skip
    run.refresh_from_db()
    assert run.earlier_seconds == pytest.approx(80, abs=0.01)
    assert ran_for(run) == "1 min 30 s"
    assert "took 1 min 30 s (generation and judging)" in _page(researcher, reverse("eval-run", args=[run.pk]))


def test_a_playground_prompt_waits_in_line_with_the_runs_and_its_page_says_its_place(
    researcher: Any, redis_client: Any
) -> None:
    from webapp.playground.models import PlaygroundRequest
    from webapp.playground.services import Ask, playground_create

    run = _launch(researcher, make_snapshot(), "ahead")
    req = playground_create(by=researcher, ask=Ask(prompt="Write add(a, b)."))
    assert redis_client.llen(str(gpu_queue().queue)) == 2  # both sent; nobody consumes the queue
    state = gpu_queue()
    assert [(e.job_id, e.position, e.exact) for e in state.waiting] == [
        (run.job_id, 1, True),
        (req.job_id, 2, True),
    ]
    assert (
        state.waiting[1].kind == "prompt"
        and state.waiting[1].title == f"playground request {req.pk} (prompt)"
    )
    assert f'data-job="{req.job_id}"' in _page(researcher, reverse("queue"))
    page = _page(researcher, reverse("playground-request", args=[req.pk]))
    assert 'id="play-queue"' in page and f"?job={req.job_id}" in page
    assert "2nd in line" in _page(researcher, f"{reverse('queue')}?job={req.job_id}")
    # Judging is the cpu queue's: a request past generating is no GPU job and shows no place.
    PlaygroundRequest.objects.filter(pk=req.pk).update(phase=Phase.JUDGING)
    assert position_of(req.job_id) is None
    assert 'id="play-queue"' not in _page(researcher, reverse("playground-request", args=[req.pk]))
