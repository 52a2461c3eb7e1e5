"""Jobs under faults, with processes of the test's own (issue 11): a Redis server it kills
and restarts, a prefork cpu worker whose pool child or main process it kills with SIGKILL,
and ``celery beat`` sending the reaper. The job limits are shortened through the same
settings production reads (JOB_HEARTBEAT_SECONDS=1, JOB_STALE_AFTER_SECONDS=3,
JOB_REAP_AFTER_SECONDS=6, REAP_EVERY_SECONDS=1; tests/procs.py LIMITS), so each fault resolves
in seconds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.procs import Stack, alive, kill9, wait_for
from webapp.atoms.services import library_load
from webapp.core.models import BackgroundJob, JobStatus
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create

pytestmark = pytest.mark.django_db(transaction=True)


def _job(pk: int) -> BackgroundJob:
    return BackgroundJob.objects.get(pk=pk)


def _running_with_progress(pk: int) -> BackgroundJob | None:
    job = _job(pk)
    return job if job.status == JobStatus.RUNNING and job.done > 0 else None


def _start_synthesis(researcher: Any, pools: dict[str, int]) -> int:
    library_load()
    run = run_create(by=researcher, config=SynthesisConfig(pools=pools, depth=(2, 3), seed=4))
    assert run.job_id is not None
    return run.job_id


def test_a_killed_pool_child_s_job_is_reclaimed_and_completes(stack: Stack, researcher: Any) -> None:
    worker = stack.start_worker()
    pk = _start_synthesis(researcher, {"A": 150})
    wait_for(lambda: _running_with_progress(pk), 120, "the synthesis to start")
    [child] = worker.pool_children()
    kill9(child)
    # The message comes back at once (reject_on_worker_lost); the new pool child finds the row
    # alive (fresh heartbeat), retries after stale+heartbeat seconds and then re-claims it.
    job = wait_for(lambda: (j := _job(pk)).finished and j, 180, "the job to finish")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempt == 2 and job.done == job.total == 150
    assert alive(worker.pid), "the worker's main process survives its child's death"
    assert "WorkerLostError" in worker.log_text()


def _beat_until(pk: int, seconds: float) -> None:
    """Play the live worker of attempt 1: keep its heartbeat fresh for ``seconds``."""
    import time

    from django.utils import timezone

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        BackgroundJob.objects.filter(pk=pk, attempt=1).update(heartbeat_at=timezone.now())
        time.sleep(0.2)


def test_a_delivery_that_finds_its_job_alive_retries_then_reclaims_once_it_is_stale(
    stack: Stack, researcher: Any
) -> None:
    from webapp.core.jobs import job_claim

    worker = stack.start_worker()
    library_load()
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 5}, seed=0), enqueue=False)
    assert run.job_id is not None and job_claim(BackgroundJob, run.job_id) == 1  # "another worker"
    from webapp.synthesis.tasks import synthesize_task

    synthesize_task.delay(run.job_id)
    _beat_until(run.job_id, 2)  # alive while the delivery arrives: it must not run the job
    assert _job(run.job_id).attempt == 1
    wait_for(lambda: "Retry in" in worker.log_text(), 30, "the delivery to retry")
    # Then attempt 1 goes silent: the retry after stale+heartbeat (4 s) takes the job back.
    job = wait_for(lambda: (j := _job(run.job_id)).finished and j, 60, "the job to finish")
    assert (job.status, job.attempt, job.done) == (JobStatus.SUCCEEDED, 2, 5), job.error


def test_a_delivery_that_finds_its_job_alive_is_dropped_once_the_job_finished(
    stack: Stack, researcher: Any
) -> None:
    from webapp.core.jobs import job_claim, job_finish

    worker = stack.start_worker()
    run = run_create(by=researcher, config=SynthesisConfig(pools={"A": 5}, seed=0), enqueue=False)
    job = _job(run.job_id or 0)
    assert job_claim(BackgroundJob, job.pk) == 1
    from webapp.synthesis.tasks import synthesize_task

    synthesize_task.delay(job.pk)
    _beat_until(job.pk, 1)
    wait_for(lambda: "Retry in" in worker.log_text(), 30, "the delivery to retry")
    assert job_finish(BackgroundJob, job.pk, attempt=1, result={"by": "attempt 1"})
    wait_for(lambda: "succeeded" in worker.log_text().split("Retry in", 1)[1], 30, "the retry to run")
    job.refresh_from_db()
    assert (job.status, job.attempt, job.result) == (JobStatus.SUCCEEDED, 1, {"by": "attempt 1"})


def test_a_killed_worker_s_job_is_failed_by_the_reaper_with_the_reason(stack: Stack, researcher: Any) -> None:
    import time

    stack.start_worker()
    stack.start_beat()
    pk = _start_synthesis(researcher, {"A": 3000})
    wait_for(lambda: _running_with_progress(pk), 120, "the synthesis to start")
    stack.worker.kill()  # main process and pool child: the whole worker is gone
    killed = time.monotonic()
    stack.start_worker()  # what the supervisor does
    job = wait_for(lambda: (j := _job(pk)).finished and j, 60, "the reaper to end the job")
    waited = time.monotonic() - killed
    assert job.status == JobStatus.FAILED
    assert "No heartbeat for more than 6 s" in job.error and "Failed by the reaper" in job.error
    # REAP_AFTER (6 s) + one reaper period (1 s) + the worker's restart, with slack.
    assert waited < 45, waited


@pytest.mark.parametrize(
    ("back", "concurrency"),
    [
        ("before the job ends", 1),
        ("after the job ended", 1),
        # `make run`'s cpu worker (concurrency 2): its channel holds unacknowledged messages
        # when Redis dies, and closing it restored them through a dead connection
        # (kombu 5.7.0 raised AttributeError and the worker exited with status 1).
        ("before the job ends", 2),
    ],
)
def test_losing_redis_mid_job_leaves_the_worker_alive_and_the_job_definite(
    stack: Stack, researcher: Any, back: str, concurrency: int
) -> None:
    worker = stack.start_worker(concurrency)
    pk = _start_synthesis(researcher, {"A": 5000 if back == "before the job ends" else 1500})
    wait_for(lambda: _running_with_progress(pk), 120, "the synthesis to start")
    stack.redis.kill()
    wait_for(lambda: "Cannot connect to redis" in worker.log_text(), 60, "the worker to notice")
    if back == "after the job ended":
        # The job runs on (it needs the database, not Redis) and ends while Redis is down:
        # its acknowledgement fails.
        wait_for(lambda: _job(pk).finished, 240, "the job to end")
    stack.redis.start()  # empty: its queues and unacked messages are gone, as after a crash
    wait_for(lambda: worker.log_text().count("Connected to redis") >= 2, 60, "the worker to reconnect")
    if back == "before the job ends":
        # The job outlived the outage: it finishes (and is acknowledged) on a worker whose
        # broker connection was replaced under it.
        assert not _job(pk).finished, "the outage should end while the job still runs"
    job = wait_for(lambda: (j := _job(pk)).finished and j, 240, "the job to end")
    assert job.status == JobStatus.SUCCEEDED, job.error
    # The worker reconnected: a new job sent after Redis came back runs to its end.
    again = _start_synthesis(researcher, {"A": 5})
    job = wait_for(lambda: (j := _job(again)).finished and j, 120, "a job sent after the outage")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert alive(worker.pid), worker.log_text()[-3000:]
    log = worker.log_text()
    assert "Unrecoverable error" not in log and "AttributeError" not in log, log[-3000:]
