"""Runs of two processes (ranks, gloo on the CPU) launched through the web side and trained
by a real GPU-queue worker process: SFT then GRPO from its checkpoint, cancel reaching every
rank, a rank killed with SIGKILL failing the run by name with no process left behind, and
resume from a two-rank checkpoint."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.training_worker.tiny import build_tiny_model
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.test_runs_on_workers import finished, launch, losses, reached_step
from tests.webapp.training.workers import GpuWorker, wait_for
from training_worker.control import job_key
from training_worker.storage import local_path
from webapp.core.dispatch import control_for
from webapp.core.models import JobStatus
from webapp.training.models import Checkpoint, MetricPoint, RunEvent
from webapp.training.selectors import rollouts_at
from webapp.training.services import run_cancel, run_resume

# The SQLite pass (`make test-sqlite`) leaves these out: what they test is the worker's
# processes; the web side they go through is the one-process run's, tested on SQLite by
# test_runs_on_workers.py. They take minutes, and the suite must stay under 30.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pg_only]

QUEUE = f"gpu-ranks-{uuid.uuid4().hex[:6]}"
#: Global batch 2: one row per rank per step (the one-process runs use 2 per device).
SFT = {"learning_rate": 0.01, "max_steps": 20, "per_device_train_batch_size": 1, "num_processes": 2,
       "lr_scheduler_type": "constant", "save_steps": 10}  # fmt: skip
#: Global batch 4 = one prompt's 4 completions, 2 on each rank.
RL = {"learning_rate": 1e-4, "max_steps": 2, "per_device_train_batch_size": 2, "num_generations": 4,
      "max_completion_length": 24, "save_steps": 2, "beta": 0.0, "num_processes": 2}  # fmt: skip
#: Long enough (at about ten tiny steps a second) to be caught mid-way.
LONG = {**SFT, "learning_rate": 1e-3, "max_steps": 150, "save_steps": 5}


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


def ranks_of(worker: GpuWorker) -> dict[int, psutil.Process]:
    """The worker's rank processes by rank (empty when none runs)."""
    ranks = {}
    for proc in psutil.Process(worker.proc.pid).children(recursive=True):
        try:
            if "--supervised" in proc.cmdline():
                ranks[int(proc.environ()["RANK"])] = proc
        except psutil.NoSuchProcess:
            continue
    return ranks


def assert_loads(checkpoint: Checkpoint) -> None:
    """The checkpoint is whole: both ranks' RNG states, and the model loads."""
    from transformers import AutoModelForCausalLM

    folder = local_path(checkpoint.uri)
    assert (folder / "rng_state_0.pth").exists() and (folder / "rng_state_1.pth").exists()
    assert AutoModelForCausalLM.from_pretrained(folder).num_parameters() > 0


def test_two_rank_sft_then_two_rank_grpo_from_its_checkpoint(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any
) -> None:
    train = make_snapshot()
    sft = finished(launch(researcher, str(tiny_model), "sft", SFT, train))
    assert sft.status == JobStatus.SUCCEEDED, sft.error
    assert sft.step == 20 and sft.reproducibility["config"]["num_processes"] == 2
    loss = losses(sft)
    assert len(loss) == 20 and sum(loss[-5:]) < 0.5 * sum(loss[:5])
    # Rank 0 alone reported: one started, one ending, each checkpoint once.
    types = list(RunEvent.objects.filter(run=sft).values_list("type", flat=True))
    assert types.count("started") == 1 and types.count("finished") == 1 and "failed" not in types
    checkpoints = list(sft.checkpoints.order_by("step"))
    assert [c.step for c in checkpoints] == [10, 20]
    assert_loads(checkpoints[-1])

    grpo = finished(launch(researcher, f"run:{sft.pk}", "grpo", {**RL, "reward_mode": "fraction"}, train))
    assert grpo.status == JobStatus.SUCCEEDED, grpo.error
    assert grpo.step == 2 and grpo.init_checkpoint_id == checkpoints[-1].pk
    rewards = MetricPoint.objects.filter(run=grpo, name="reward").values_list("value", flat=True)
    assert len(rewards) == 2
    # Each step's rollouts file holds both ranks' completions (2 each).
    rows = rollouts_at(run=grpo, step=1)
    assert len(rows) == 4 and all(r["verdict"] and r["category"] for r in rows)
    assert ranks_of(gpu_worker) == {}


def test_cancel_reaches_every_rank_and_keeps_a_whole_checkpoint(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any
) -> None:
    run = launch(researcher, str(tiny_model), "sft", {**LONG, "max_steps": 3000, "save_steps": 10_000})
    reached_step(run, 3)
    ranks = ranks_of(gpu_worker)
    assert sorted(ranks) == [0, 1]
    # The task's own process (the worker's pool child, or the worker with a solo pool) holds
    # the lock and beats, not a rank.
    client = control_for(run).client
    holder = int(client.get(job_key(run.job_id, "lock")).decode().split(":")[1])
    task_processes = {gpu_worker.proc.pid, *(c.pid for c in psutil.Process(gpu_worker.proc.pid).children())}
    assert holder in task_processes and holder not in {r.pid for r in ranks.values()}
    assert client.exists(job_key(run.job_id, "heartbeat"))
    assert run_cancel(run=run, by=researcher)
    run = finished(run, timeout=60)
    assert run.status == JobStatus.CANCELLED and not run.error and run.step < 3000
    checkpoint = Checkpoint.objects.get(run=run)
    assert checkpoint.step == run.step
    assert_loads(checkpoint)
    wait_for(lambda: ranks_of(gpu_worker) == {}, timeout=30, what="both ranks to exit")


def test_a_killed_rank_fails_the_run_by_name_leaves_nothing_and_resume_finishes(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any
) -> None:
    run = launch(researcher, str(tiny_model), "sft", LONG)
    wait_for(lambda: Checkpoint.objects.filter(run=run).exists(), timeout=180, what="a checkpoint")
    ranks = wait_for(lambda: ranks_of(gpu_worker) if len(ranks_of(gpu_worker)) == 2 else None, timeout=30)
    launched = [*ranks.values(), *(c for r in ranks.values() for c in r.children(recursive=True))]
    victim = ranks[1].pid
    ranks[1].send_signal(signal.SIGKILL)

    run = finished(run, timeout=120)
    assert run.status == JobStatus.FAILED
    assert f"rank 1 (pid {victim}) was killed by signal SIGKILL" in run.error
    _, alive = psutil.wait_procs(launched, timeout=30)
    # No rank, and nothing a rank started, outlives the job (the pool child that ran the task
    # is the worker's, and a fresh one replaces it).
    assert alive == [] and ranks_of(gpu_worker) == {}
    assert gpu_worker.proc.poll() is None  # the worker itself lives on

    last = Checkpoint.objects.filter(run=run).order_by("-step").first()
    assert last is not None and last.step % 5 == 0 and run.step < 150
    assert_loads(last)
    run = finished(run_resume(run=run, by=researcher))
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.attempt == 2 and run.step == 150
    first = RunEvent.objects.filter(run=run, type="metrics", seq__gt=run.seq_floor).order_by("seq").first()
    assert first is not None and first.step == last.step + 1
    steps = MetricPoint.objects.filter(run=run, name="loss").values_list("step", flat=True).order_by("step")
    assert list(steps) == list(range(1, 151))
