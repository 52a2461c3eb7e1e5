"""The reaper's view of training runs, from the worker's own Redis keys (real Redis): a live
worker's heartbeat keeps a run whose events lag; a run whose cancel was ignored past the
grace period is killed and closed as cancelled; a worker that ended normally is not taken
for dead while its last event is still in the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.webapp.training.conftest import make_snapshot
from training_worker.control import JobControl, job_key, spec_digest
from webapp.core.jobs import jobs_reap
from webapp.core.models import JobStatus
from webapp.training.models import TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(researcher: Any, redis_client: Any) -> Any:
    run = TrainingRun.objects.create(
        method="sft", model="default", base_model="default", train_snapshot=make_snapshot(),
        status=JobStatus.RUNNING, attempt=1, created_by=researcher, spec_json='{"job_id": "x"}',
        heartbeat_at=timezone.now() - timedelta(seconds=600),
    )  # fmt: skip
    yield run
    for name in ("heartbeat", "lock", "cancel", f"done:{spec_digest(run.spec_json)}"):
        redis_client.delete(job_key(run.job_id, name))


def test_a_live_worker_heartbeat_keeps_a_run_whose_events_lag(running: Any, redis_client: Any) -> None:
    JobControl(redis_client, running.job_id).beat()
    jobs_reap()
    running.refresh_from_db()
    assert running.status == JobStatus.RUNNING
    assert timezone.now() - running.heartbeat_at < timedelta(seconds=5)


def test_a_run_without_heartbeat_lock_or_end_marker_is_failed_with_the_reason(running: Any) -> None:
    jobs_reap()
    running.refresh_from_db()
    assert running.status == JobStatus.FAILED and "stopped beating" in running.error


def test_a_run_whose_worker_ended_normally_waits_for_its_last_event(running: Any, redis_client: Any) -> None:
    JobControl(redis_client, running.job_id).mark_done(spec_digest(running.spec_json), "finished")
    TrainingRun.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=20))
    jobs_reap()
    running.refresh_from_db()
    assert running.status == JobStatus.RUNNING


def test_a_run_ignoring_cancel_past_the_grace_period_is_killed_and_cancelled(
    running: Any, redis_client: Any, settings: Any
) -> None:
    settings.TRAINING_CANCEL_GRACE_SECONDS = 5
    JobControl(redis_client, running.job_id).beat()  # alive, but deaf to the flag
    TrainingRun.objects.filter(pk=running.pk).update(
        cancel_requested=True, cancel_requested_at=timezone.now() - timedelta(seconds=6)
    )
    jobs_reap()
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED, running.error
    assert "did not stop within 5 s of Cancel; its worker process was killed" in running.error
