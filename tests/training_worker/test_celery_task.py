"""``atomlab.gpu.run_job`` on real GPU-queue worker processes (``training_worker.celery_app``),
with its progress events read back from the ``events`` queue without Django.

The workers get a Redis server of their own (a free port chosen at run time): the session's
Django-side worker, when another test started it, consumes ``events`` on the shared test
Redis and would take these events away."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _start_worker, _wait_for_worker
from tests.training_worker.conftest import SFT_MEMORISE, new_job_id
from training_worker.contracts import JobSpec, ProgressEvent

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path_factory.mktemp("redis"),
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the test's own redis-server did not start") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def gpu_app(own_redis: str) -> Any:
    """A client-side Celery app on the workers' broker (sends tasks, reads results)."""
    from celery import Celery

    app = Celery("test-gpu-client", broker=own_redis, backend=own_redis)
    app.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    return app


@pytest.fixture(scope="module")
def gpu_workers(own_redis: str, gpu_app: Any, artifact_root: Path) -> Iterator[list[str]]:
    """Two GPU-queue workers, so that a duplicate delivery can reach a second one."""
    env = dict(
        os.environ, REDIS_URL=own_redis, ARTIFACT_ROOT=str(artifact_root), ATOMLAB_HEARTBEAT_SECONDS="1"
    )
    env["HF_HUB_OFFLINE"] = "1"
    names = [f"gpu{i}-{os.getpid()}@trainw-test" for i in (1, 2)]
    procs = [_start_worker("training_worker.celery_app", "gpu", name, env) for name in names]
    try:
        for proc, name in zip(procs, names, strict=True):
            _wait_for_worker(gpu_app, name, proc)
        yield names
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def drain_events(
    redis_url: str, job_id: str, *, until: str | None, timeout: float = 180
) -> list[ProgressEvent]:
    """The job's events from the ``events`` queue, as the Django side will receive them
    (task ``atomlab.events.progress``, one JSON argument), read with a plain kombu consumer."""
    from kombu import Connection

    events: list[ProgressEvent] = []
    deadline = time.monotonic() + timeout
    with Connection(redis_url) as conn:
        queue = conn.SimpleQueue("events")
        try:
            while time.monotonic() < deadline:
                try:
                    message = queue.get(block=True, timeout=1)
                except queue.Empty:
                    if until is None:
                        break
                    continue
                assert message.headers["task"] == "atomlab.events.progress"
                args, _kwargs, _embed = message.decode()
                message.ack()
                event = ProgressEvent.from_json(args[0])
                if event.job_id == job_id:
                    events.append(event)
                    if event.type == until:
                        break
        finally:
            queue.close()
    return events


def _spec(job_id: str, model: Path, data: Path, root: Path, **config: Any) -> JobSpec:
    return JobSpec(
        job_id=job_id,
        kind="sft",
        model=str(model),
        data_uris=[str(data)],
        artifact_prefix=str(root / "runs" / job_id),
        method_config={**SFT_MEMORISE, **config},
    )


def test_a_job_runs_on_a_real_gpu_worker_and_its_events_arrive_on_the_events_queue(
    gpu_app: Any,
    gpu_workers: list[str],
    own_redis: str,
    tiny_model: Path,
    problems_file: Path,
    artifact_root: Path,
) -> None:
    job_id = new_job_id("celery")
    spec = _spec(job_id, tiny_model, problems_file, artifact_root, max_steps=5, save_steps=5)
    result = gpu_app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue="gpu")
    events = drain_events(own_redis, job_id, until="finished")
    assert result.get(timeout=120) == {
        "job_id": job_id,
        "status": "finished",
        "step": 5,
        "checkpoint": str(artifact_root / "runs" / job_id / "checkpoints" / "checkpoint-5"),
    }
    types = [e.type for e in events]
    assert types[0] == "started" and types[-1] == "finished"
    assert [e.step for e in events if e.type == "metrics"] == [1, 2, 3, 4, 5]
    assert [e.seq for e in events] == sorted({e.seq for e in events})
    assert json.loads(events[-1].to_json())["payload"]["checkpoint"].endswith("checkpoint-5")


def test_a_duplicate_delivery_of_a_job_never_runs_it_twice(
    gpu_app: Any,
    gpu_workers: list[str],
    own_redis: str,
    tiny_model: Path,
    problems_file: Path,
    artifact_root: Path,
) -> None:
    job_id = new_job_id("dup")
    # Long enough (a checkpoint every step) for both workers to hold a delivery at once.
    spec_json = _spec(job_id, tiny_model, problems_file, artifact_root, max_steps=12, save_steps=1).to_json()
    first = gpu_app.send_task("atomlab.gpu.run_job", args=[spec_json], queue="gpu")
    second = gpu_app.send_task("atomlab.gpu.run_job", args=[spec_json], queue="gpu")
    outcomes = sorted(r.get(timeout=180)["status"] for r in (first, second))
    assert outcomes == ["finished", "skipped"]
    # A late re-delivery of the same message, after the job ended, is skipped as well.
    late = gpu_app.send_task("atomlab.gpu.run_job", args=[spec_json], queue="gpu")
    assert late.get(timeout=60)["status"] == "skipped"
    events = drain_events(own_redis, job_id, until=None, timeout=30)
    assert [e.type for e in events].count("started") == 1
    assert [e.type for e in events].count("finished") == 1
    assert [e.step for e in events if e.type == "metrics"] == list(range(1, 13))


def test_a_copy_re_delivered_after_its_worker_died_never_runs_the_attempt_again(
    gpu_app: Any,
    gpu_workers: list[str],
    own_redis: str,
    tiny_model: Path,
    problems_file: Path,
    artifact_root: Path,
) -> None:
    import dataclasses
    import signal

    import redis

    client = redis.Redis.from_url(own_redis)
    job_id = new_job_id("died")
    spec = _spec(job_id, tiny_model, problems_file, artifact_root, max_steps=40, save_steps=1)
    gpu_app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue="gpu")
    started = drain_events(own_redis, job_id, until="metrics")
    assert started[0].type == "started"
    os.kill(int(started[0].payload["pid"]), signal.SIGKILL)  # the process running attempt 1 dies
    # Its lock expires after 6 missed beats (1 s each here); then the message comes back, as
    # it does after the visibility timeout when a whole worker died.
    deadline = time.monotonic() + 60
    while client.exists(f"atomlab:job:{job_id}:lock"):
        assert time.monotonic() < deadline, "the dead attempt's lock never expired"
        time.sleep(0.2)
    drain_events(own_redis, job_id, until=None, timeout=10)  # what attempt 1 sent before it died
    copy = gpu_app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue="gpu")
    assert copy.get(timeout=120)["status"] == "skipped"
    assert drain_events(own_redis, job_id, until=None, timeout=10) == []
    # Resume: the web side sends the next attempt, which runs to its end.
    resumed = dataclasses.replace(spec, attempt=2)
    again = gpu_app.send_task("atomlab.gpu.run_job", args=[resumed.to_json()], queue="gpu")
    assert again.get(timeout=180)["status"] == "finished"
    types = [e.type for e in drain_events(own_redis, job_id, until=None, timeout=10)]
    assert types[0] == "started" and types[-1] == "finished"
    client.close()


def test_a_generate_job_runs_on_a_real_gpu_worker(
    gpu_app: Any,
    gpu_workers: list[str],
    own_redis: str,
    tiny_model: Path,
    problems_file: Path,
    artifact_root: Path,
) -> None:
    from training_worker.contracts import GenerationRecord

    job_id = new_job_id("celerygen")
    spec = JobSpec(
        job_id=job_id,
        kind="generate",
        model=str(tiny_model),
        data_uris=[str(problems_file)],
        artifact_prefix=f"evals/{job_id}",  # the worker's ARTIFACT_ROOT holds it
        method_config={
            "n": 2,
            "temperature": 1.0,
            "max_new_tokens": 8,
            "batch_size": 2,
            "progress_every_s": 0,
        },
        seed=3,
    )
    result = gpu_app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue="gpu")
    events = drain_events(own_redis, job_id, until="finished")
    assert result.get(timeout=120)["status"] == "finished"
    assert [e.payload["done"] for e in events if e.type == "generations"] == [0, 2, 4]
    finished = events[-1].payload
    uri = str(artifact_root / "evals" / job_id / "generations.jsonl")
    assert (finished["generations_uri"], finished["count"], finished["backend"]) == (uri, 4, "transformers")
    rows = [GenerationRecord.from_json(line) for line in Path(uri).read_text().splitlines()]
    assert sorted((r.task_id, r.sample_index) for r in rows) == [
        ("tiny/add", 0), ("tiny/add", 1), ("tiny/neg", 0), ("tiny/neg", 1),
    ]  # fmt: skip


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "\nState:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("fresh", ["1", "0"])
def test_each_job_runs_in_a_fresh_pool_child_that_exits_when_it_ends(
    fresh: str,
    gpu_app: Any,
    own_redis: str,
    tiny_model: Path,
    problems_file: Path,
    artifact_root: Path,
) -> None:
    """The prefork worker as production starts it (no ``--pool`` on the command line): with
    ATOMLAB_GPU_FRESH_PROCESS=1 (the default) two jobs run in two pool children and the
    first is gone when the second starts; with 0, as before, one child runs both."""
    env = dict(os.environ, REDIS_URL=own_redis, ARTIFACT_ROOT=str(artifact_root), HF_HUB_OFFLINE="1")
    env["ATOMLAB_GPU_FRESH_PROCESS"] = fresh
    queue = f"gpu-fresh{fresh}-{os.getpid()}"
    name = f"{queue}@trainw-test"
    proc = _start_worker("training_worker.celery_app", queue, name, env, pool="prefork")
    try:
        _wait_for_worker(gpu_app, name, proc, timeout=120)
        pids = []
        for _ in range(2):
            job_id = new_job_id("fresh")
            spec = _spec(job_id, tiny_model, problems_file, artifact_root, max_steps=2, save_steps=2)
            result = gpu_app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue=queue)
            events = drain_events(own_redis, job_id, until="finished")
            assert result.get(timeout=180)["status"] == "finished"
            pids.append(int(events[0].payload["pid"]))
        assert proc.poll() is None and proc.pid not in pids  # jobs ran in pool children
        if fresh == "1":
            assert pids[0] != pids[1] and not _alive(pids[0])
        else:
            assert pids[0] == pids[1] and _alive(pids[0])
    finally:
        proc.terminate()
        proc.wait(timeout=60)
