"""Runs launched through the web side, trained by a real GPU-queue worker process on the CPU
(a tiny model built offline), their events applied by the real events worker: SFT to the
end, GRPO from its checkpoint rewarded by the real sandbox, cancel, a killed worker reaped,
resume at the right step, and a run that ignores Cancel killed in a real prefork worker."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.tiny import build_tiny_model
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker, wait_for
from training_worker.control import job_key
from training_worker.storage import local_path
from webapp.core.dispatch import control_for
from webapp.core.jobs import jobs_reap
from webapp.core.jobtime import job_seconds, ran_for
from webapp.core.models import JobStatus
from webapp.training.liveness import runs_check
from webapp.training.models import Checkpoint, MetricPoint, RunEvent, TrainingRun
from webapp.training.selectors import rollouts_at
from webapp.training.services import LaunchRequest, run_cancel, run_launch, run_resume

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = f"gpu-trainweb-{uuid.uuid4().hex[:6]}"
#: Teaches the tiny model the tiny problems' solutions in 30 steps (as the worker's own tests).
SFT = {"learning_rate": 0.01, "max_steps": 30, "per_device_train_batch_size": 2,
       "lr_scheduler_type": "constant", "save_steps": 15}  # fmt: skip
RL = {"learning_rate": 1e-4, "max_steps": 3, "per_device_train_batch_size": 4, "num_generations": 4,
      "max_completion_length": 24, "save_steps": 3, "beta": 0.0}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def gpu_worker(celery_workers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuWorker]:
    worker = GpuWorker(QUEUE, str(tmp_path_factory.mktemp("worker-artifacts")))
    yield worker
    worker.stop()


@pytest.fixture
def gpu_queue(settings: Any) -> str:
    settings.TRAINING_QUEUE = QUEUE
    return QUEUE


def launch(user: Any, model: str, method: str, config: dict[str, Any], train: Any = None) -> TrainingRun:
    request = LaunchRequest(
        method=method, model=model, train_snapshot=train or make_snapshot(), config=config
    )
    return run_launch(by=user, request=request)


def finished(run: TrainingRun, timeout: float = 240) -> TrainingRun:
    def check() -> TrainingRun | None:
        run.refresh_from_db()
        return run if run.finished else None

    return wait_for(check, timeout=timeout, what=f"run {run.pk} to finish")  # type: ignore[no-any-return]


def reached_step(run: TrainingRun, step: int, timeout: float = 180) -> None:
    """Wait until ``run`` has logged ``step`` (``run`` is refreshed)."""

    def check() -> bool:
        run.refresh_from_db()
        return run.step >= step

    wait_for(check, timeout=timeout, what=f"run {run.pk} to reach step {step}")


def losses(run: TrainingRun) -> list[float]:
    return list(
        MetricPoint.objects.filter(run=run, name="loss").order_by("step").values_list("value", flat=True)
    )


def test_sft_then_grpo_from_its_checkpoint_through_the_web_side(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any, client: Any
) -> None:
    train = make_snapshot()
    sft = finished(launch(researcher, str(tiny_model), "sft", SFT, train))
    assert sft.status == JobStatus.SUCCEEDED, sft.error
    assert (
        sft.step == 30
        and sft.reproducibility["versions"]["trl"]
        and sft.reproducibility["config"] == sft.config
    )
    loss = losses(sft)
    assert len(loss) == 30 and sum(loss[-5:]) < 0.5 * sum(loss[:5])
    checkpoints = list(sft.checkpoints.order_by("step"))
    assert [c.step for c in checkpoints] == [15, 30]
    assert (local_path(checkpoints[-1].uri) / "config.json").exists()
    client.force_login(researcher)
    page = client.get(f"/runs/{sft.pk}/").content.decode()
    assert "Succeeded" in page and checkpoints[-1].uri in page and 'id="chart-loss"' in page
    poll = client.get(f"/runs/{sft.pk}/metrics?after=25").json()
    assert poll["finished"] is True
    loss_points = next(p for p in poll["charts"]["loss"]["series"] if p["key"] == "loss")
    assert loss_points["x"] == [26, 27, 28, 29, 30]

    grpo = finished(launch(researcher, f"run:{sft.pk}", "grpo", {**RL, "reward_mode": "fraction"}, train))
    assert grpo.status == JobStatus.SUCCEEDED, grpo.error
    assert (
        grpo.init_checkpoint_id == checkpoints[-1].pk
        and grpo.reproducibility["init_checkpoint"] == checkpoints[-1].uri
    )
    rewards = list(MetricPoint.objects.filter(run=grpo, name="reward").values_list("value", flat=True))
    assert len(rewards) == 3 and sum(v or 0 for v in rewards) / 3 > 0
    shares = MetricPoint.objects.filter(run=grpo, name__startswith="rollouts/")
    assert shares.exists()
    grpo_page = client.get(f"/runs/{grpo.pk}/").content.decode()
    assert all(f'id="chart-{c}"' in grpo_page for c in ("loss", "reward", "length", "categories"))
    assert f'href="/runs/{grpo.pk}/rollouts/?step=1"' in grpo_page
    rows = rollouts_at(run=grpo, step=1)
    assert len(rows) == 4 and all(r["verdict"] and r["category"] for r in rows)
    page = client.get(f"/runs/{grpo.pk}/rollouts/?step=1").content.decode()
    assert rows[0]["task_id"] in page and 'data-category="' in page
    sft_page = client.get(f"/runs/{sft.pk}/").content.decode()
    assert f'href="/runs/{grpo.pk}/"' in sft_page  # the SFT run links to the RL run started from it


def test_cancel_stops_within_a_few_steps_and_keeps_a_checkpoint(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any
) -> None:
    config = {**SFT, "learning_rate": 1e-3, "max_steps": 3000, "save_steps": 10_000}
    run = launch(researcher, str(tiny_model), "sft", config)

    reached_step(run, 3)
    # The database's step lags the worker's by however many events the relay has not
    # applied yet, so "where the worker was" is read from the worker's own event counter:
    # every event numbered up to it was sent before the cancel was asked for.
    sent_before_cancel = int(control_for(run).client.get(job_key(run.job_id, "seq")))
    assert run_cancel(run=run, by=researcher)
    run = finished(run, timeout=60)
    assert run.status == JobStatus.CANCELLED and not run.error
    asked_at = max(e.step for e in RunEvent.objects.filter(run=run, seq__lte=sent_before_cancel))
    assert asked_at >= 3 and run.step - asked_at <= 10 and run.step < 3000
    checkpoint = Checkpoint.objects.get(run=run)
    assert checkpoint.step == run.step and (local_path(checkpoint.uri) / "config.json").exists()


def test_a_killed_worker_is_reaped_and_resume_continues_at_the_checkpoint(
    gpu_worker: GpuWorker, tiny_model: Path, researcher: Any, settings: Any, tmp_path: Path
) -> None:
    doomed_queue = f"{QUEUE}-doomed"
    settings.TRAINING_QUEUE = doomed_queue
    doomed = GpuWorker(doomed_queue, str(tmp_path))
    try:
        # Killed right after its first checkpoint (step 5), far from its end.
        config = {**SFT, "learning_rate": 1e-3, "max_steps": 40, "save_steps": 5}
        run = launch(researcher, str(tiny_model), "sft", config)
        wait_for(lambda: Checkpoint.objects.filter(run=run).exists(), timeout=180, what="a checkpoint")
        doomed.kill()
    finally:
        doomed.stop()

    def reaped() -> bool:
        jobs_reap()
        run.refresh_from_db()
        return run.status == JobStatus.FAILED

    wait_for(reaped, timeout=60, every=1, what="the reaper to fail the run")
    assert "stopped beating" in run.error
    last = Checkpoint.objects.filter(run=run).order_by("-step").first()
    assert last is not None and last.step % 5 == 0

    settings.TRAINING_QUEUE = QUEUE
    assert run.step < 40
    run = finished(run_resume(run=run, by=researcher))
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.attempt == 2 and run.step == 40
    started = RunEvent.objects.filter(run=run, type="started", seq__gt=run.seq_floor).get()
    assert started.payload["resume_checkpoint"] == last.uri
    first = RunEvent.objects.filter(run=run, type="metrics", seq__gt=run.seq_floor).order_by("seq").first()
    assert first is not None and first.step == last.step + 1
    assert list(
        MetricPoint.objects.filter(run=run, name="loss").values_list("step", flat=True).order_by("step")
    ) == list(range(1, 41))
    # Its duration counts the attempt the killed worker ran too (at least the span of its events).
    before = RunEvent.objects.filter(run=run, seq__lte=run.seq_floor).order_by("timestamp")
    worked = before.last().timestamp - before.first().timestamp  # type: ignore[union-attr]
    assert run.earlier_seconds >= worked - 0.01 > 0
    assert job_seconds(run) > run.earlier_seconds and ran_for(run).endswith(" over 2 attempts")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_run_that_outlasts_the_cancel_grace_is_killed_in_a_prefork_worker_and_not_rerun(
    celery_workers: Any, tiny_model: Path, researcher: Any, settings: Any, tmp_path: Path
) -> None:
    from django.utils import timezone

    queue = f"{QUEUE}-prefork"
    settings.TRAINING_QUEUE = queue
    settings.TRAINING_CANCEL_GRACE_SECONDS = 5
    worker = GpuWorker(queue, str(tmp_path), pool="prefork")
    try:
        config = {**SFT, "learning_rate": 1e-3, "max_steps": 3000, "save_steps": 10_000}
        run = launch(researcher, str(tiny_model), "sft", config)

        reached_step(run, 2)
        child = RunEvent.objects.get(run=run, type="started").payload["pid"]
        assert child != worker.proc.pid and _alive(child)  # the task runs in a pool child
        # Cancel asked long ago, but the worker never saw it (as when its loop is stuck in a
        # step): past the grace, the liveness check kills the process running the task.
        asked = timezone.now() - timedelta(seconds=10)
        TrainingRun.objects.filter(pk=run.pk).update(cancel_requested_at=asked)
        assert runs_check()["killed"] == 1
        wait_for(lambda: not _alive(child), timeout=30, what=f"pool child {child} to die")
        run.refresh_from_db()
        assert run.status == JobStatus.CANCELLED
        assert "did not stop within 5 s of Cancel; its worker process was killed" in run.error
        step_at_kill = run.step
        # The worker survives and replaces its child. The killed task's message comes back
        # (acks_late, reject_on_worker_lost), but its attempt already started, so it is
        # dropped, not run again; the next run on the same worker trains to its end.
        assert worker.proc.poll() is None
        time.sleep(3)
        after = finished(launch(researcher, str(tiny_model), "sft", {**SFT, "max_steps": 3}))
        assert after.status == JobStatus.SUCCEEDED, after.error
        run.refresh_from_db()
        assert run.status == JobStatus.CANCELLED and run.step == step_at_kill
        assert RunEvent.objects.filter(run=run, type="started").count() == 1
        assert worker.proc.poll() is None
    finally:
        worker.stop()
