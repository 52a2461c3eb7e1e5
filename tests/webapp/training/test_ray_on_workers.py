"""Runs whose ranks go to a Ray cluster (``placement: ray``): a local Ray head on the CPU
(two CPUs, gloo), started for this module and stopped with it, and a real GPU-queue worker
with ``RAY_ADDRESS`` set; a two-rank SFT launched through the web side succeeds with its
loss curve and checkpoint, a cancel reaches both ranks, and nothing is left on the cluster."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.training_worker.tiny import build_tiny_model
from tests.webapp.training.test_ranks_on_workers import SFT, assert_loads
from tests.webapp.training.test_runs_on_workers import finished, launch, losses, reached_step
from tests.webapp.training.workers import GpuWorker, wait_for
from webapp.core.models import JobStatus
from webapp.training.models import Checkpoint, RunEvent
from webapp.training.services import run_cancel

ray = pytest.importorskip("ray")
# The SQLite pass (`make test-sqlite`) leaves these out: what they test is the worker's
# processes; the web side they go through is the one-process run's, tested on SQLite by
# test_runs_on_workers.py. They take minutes, and the suite must stay under 30.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pg_only]

QUEUE = f"gpu-ray-{uuid.uuid4().hex[:6]}"
REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """``ray start --head --block`` in a process group of its own: stopping that group stops
    this head alone (``ray stop`` would stop every Ray instance on the machine)."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must fit
    env = dict(os.environ, PYTHONPATH=str(REPO), RAY_USAGE_STATS_ENABLED="0")
    log = open(REPO / "var" / f"test-ray-head-{port}.log", "wb")  # noqa: SIM115
    head = subprocess.Popen(
        [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--num-cpus", "2",
         "--num-gpus", "0", "--port", str(port), "--temp-dir", temp, "--include-dashboard=false",
         "--disable-usage-stats"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    wait_for(
        lambda: _reachable(address) or head.poll() is not None, timeout=120, every=1, what="the Ray head"
    )
    assert head.poll() is None, (REPO / "var" / f"test-ray-head-{port}.log").read_text()[-3000:]
    yield address
    os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)
    log.close()
    shutil.rmtree(temp, ignore_errors=True)


def _reachable(address: str) -> bool:
    host, port = address.split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) == 0


@pytest.fixture(scope="module")
def ray_worker(
    celery_workers: Any, ray_head: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GpuWorker]:
    root = str(tmp_path_factory.mktemp("ray-artifacts"))
    worker = GpuWorker(QUEUE, root, extra_env={"RAY_ADDRESS": ray_head, "RAY_USAGE_STATS_ENABLED": "0"})
    yield worker
    worker.stop()


@pytest.fixture
def ray_queue(settings: Any) -> str:
    settings.TRAINING_QUEUE = QUEUE
    return QUEUE


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


def cluster_is_empty(address: str) -> bool:
    """No placement group and no actor holds anything on the cluster (a driver of its own;
    a placement group shows as ``CPU_group_...`` resources while it exists), and no rank
    process is left on this machine."""
    ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        total, free = ray.cluster_resources(), ray.available_resources()
    finally:
        ray.shutdown()
    groups = [k for k in total if "_group_" in k]
    return not groups and free.get("CPU") == total.get("CPU") == 2 and not rank_processes()


def rank_processes() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "--supervised" in cmdline and any("atomlab-ray-rank-" in part for part in cmdline):
            found.append(proc)
    return found


def test_two_rank_sft_on_ray_succeeds_with_its_curve_and_leaves_nothing(
    ray_head: str, ray_worker: GpuWorker, ray_queue: str, tiny_model: Path, researcher: Any
) -> None:
    config = {**SFT, "max_steps": 10, "save_steps": 10, "placement": "ray"}
    run = finished(launch(researcher, str(tiny_model), "sft", config), timeout=400)
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.step == 10 and run.reproducibility["config"]["placement"] == "ray"
    assert len(losses(run)) == 10
    types = list(RunEvent.objects.filter(run=run).values_list("type", flat=True))
    assert types.count("started") == 1 and types.count("finished") == 1 and "failed" not in types
    beat = RunEvent.objects.filter(run=run, type="heartbeat").first()
    assert beat is None or beat.payload.get("placement") == "ray"
    assert_loads(Checkpoint.objects.get(run=run, step=10))
    wait_for(lambda: cluster_is_empty(ray_head), timeout=60, every=2, what="the cluster to be empty")


def test_cancel_reaches_both_ray_ranks(
    ray_head: str, ray_worker: GpuWorker, ray_queue: str, tiny_model: Path, researcher: Any
) -> None:
    run = launch(
        researcher,
        str(tiny_model),
        "sft",
        {**SFT, "max_steps": 3000, "save_steps": 10_000, "placement": "ray"},
    )
    reached_step(run, 2, timeout=400)
    assert run_cancel(run=run, by=researcher)
    run = finished(run, timeout=120)
    assert run.status == JobStatus.CANCELLED and not run.error and run.step < 3000
    assert Checkpoint.objects.get(run=run).step == run.step
    wait_for(lambda: cluster_is_empty(ray_head), timeout=60, every=2, what="the cluster to be empty")


def test_a_killed_ray_rank_fails_the_run_by_name_and_leaves_nothing(
    ray_head: str, ray_worker: GpuWorker, ray_queue: str, tiny_model: Path, researcher: Any
) -> None:
    config = {**SFT, "max_steps": 3000, "save_steps": 10_000, "placement": "ray"}
    run = launch(researcher, str(tiny_model), "sft", config)
    reached_step(run, 2, timeout=400)
    ranks = {int(p.environ()["RANK"]): p for p in rank_processes()}
    assert sorted(ranks) == [0, 1]
    victim = ranks[1].pid
    ranks[1].send_signal(signal.SIGKILL)
    run = finished(run, timeout=120)
    assert run.status == JobStatus.FAILED
    assert f"rank 1 (pid {victim} on " in run.error and "was killed by signal SIGKILL" in run.error
    wait_for(lambda: cluster_is_empty(ray_head), timeout=60, every=2, what="the cluster to be empty")
    assert ray_worker.proc.poll() is None  # the worker itself lives on
