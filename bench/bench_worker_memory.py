"""GPU worker memory: the resident memory (RSS summed over the worker's whole process tree)
of a real ``training_worker.celery_app`` worker, started as the Procfile starts it (prefork,
concurrency 1), after each of ten small jobs (SFT of the tiny test model, 5 steps, one
checkpoint), with ``ATOMLAB_GPU_FRESH_PROCESS=0`` (the old behaviour: one pool child runs
every job) and ``=1`` (the default: a child per job, gone when the job ends), in the same run,
the old one first. The worker gets a Redis server of its own on a free port.

    .venv/bin/python bench/bench_worker_memory.py [--jobs 10] [--steps 5]

Each figure is the median of 5 samples taken over a second once the worker is idle again
(its pool child replaced, where it is to be, and 2 s of quiet). Prints a table and writes
``var/bench/worker_memory.json``.
The tree's RSS counts pages shared between parent and child twice, as ``ps`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_sandbox import _tree_rss_kb  # noqa: E402
from training_worker.contracts import JobSpec  # noqa: E402

OUT = REPO / "var" / "bench" / "worker_memory.json"
MODES = {"old: one child for every job": "0", "new: a fresh child per job": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def own_redis(workdir: Path) -> Iterator[str]:
    """A redis-server of the benchmark's own, so no other worker takes its messages."""
    import redis

    port = _free_port()
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    args = [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit("the benchmark's redis-server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def worker(app: Any, env: dict[str, str], queue: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The GPU worker as the Procfile runs it (no ``--pool``: the app's own choice)."""
    name = f"{queue}@bench"
    command = [sys.executable, "-m", "celery", "-A", "training_worker.celery_app", "worker",
               "-Q", queue, "-n", name, "--concurrency", "1",
               "--without-gossip", "--without-mingle", "-l", "WARNING"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while not app.control.ping(destination=[name], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start; see {log}")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(c) for c in fh.read().split()]


def idle_rss_mb(pid: int, gone: int | None = None) -> float:
    """Median of 5 samples of the tree's RSS over a second (MB), once the worker has a pool
    child again that is not ``gone`` (the child that ran the job, when it is to exit), and
    after 2 s of quiet."""
    deadline = time.monotonic() + 120
    while not (kids := children(pid)) or gone in kids:
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker's pool child did not settle: {kids}")
        time.sleep(0.1)
    time.sleep(2)
    samples = []
    for _ in range(5):
        samples.append(_tree_rss_kb([pid]) / 1024)
        time.sleep(0.2)
    return statistics.median(samples)


def run_mode(app: Any, flag: str, setup: dict[str, Any], jobs: int, steps: int) -> dict[str, Any]:
    """Ten jobs on a fresh worker with ATOMLAB_GPU_FRESH_PROCESS=``flag``; RSS after each."""
    root = setup["root"]
    env = dict(os.environ, REDIS_URL=setup["redis"], ARTIFACT_ROOT=str(root / "artifacts"))
    env["ATOMLAB_GPU_FRESH_PROCESS"] = flag
    queue = f"gpu-mem{flag}-{uuid.uuid4().hex[:6]}"
    with worker(app, env, queue, root / f"worker-{flag}.log") as proc:
        at_start = idle_rss_mb(proc.pid)  # the parent and its first, unused pool child
        after: list[float] = []
        seconds: list[float] = []
        for _ in range(jobs):
            job_id = f"mem-{uuid.uuid4().hex[:10]}"
            spec = JobSpec(
                job_id=job_id, kind="sft", model=str(setup["model"]), data_uris=[str(setup["problems"])],
                artifact_prefix=str(root / "runs" / job_id), seed=0,
                method_config={"learning_rate": 0.01, "max_steps": steps, "per_device_train_batch_size": 2,
                               "lr_scheduler_type": "constant", "save_steps": steps},
            )  # fmt: skip
            [child] = children(proc.pid)  # concurrency 1: the child that will run the job
            started = time.perf_counter()
            result = app.send_task("atomlab.gpu.run_job", args=[spec.to_json()], queue=queue)
            outcome = result.get(timeout=900)
            seconds.append(time.perf_counter() - started)
            if outcome.get("status") != "finished":
                raise SystemExit(f"job {job_id} did not finish: {outcome}")
            after.append(idle_rss_mb(proc.pid, gone=child if flag == "1" else None))
    return {"flag": flag, "at_start_mb": at_start, "after_each_job_mb": after, "job_seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5, help="SFT steps per job")
    args = parser.parse_args()
    from celery import Celery

    from tests.training_worker.tiny import build_tiny_model, write_problems

    with tempfile.TemporaryDirectory(prefix="atomlab-bench-mem-") as tmp, own_redis(Path(tmp)) as url:
        root = Path(tmp)
        setup = {
            "root": root,
            "redis": url,
            "model": build_tiny_model(root / "tiny-model"),
            "problems": write_problems(root / "tiny.jsonl"),
        }
        app = Celery("bench-worker-memory", broker=url, backend=url)
        app.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
        results = {name: run_mode(app, flag, setup, args.jobs, args.steps) for name, flag in MODES.items()}
    figures = {"jobs": args.jobs, "steps": args.steps, "modes": results, "cpus": os.cpu_count(),
               "loadavg_1m": os.getloadavg()[0], "python": platform.python_version()}  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2))
    print(
        f"GPU worker (prefork, concurrency 1), RSS of its process tree in MB; "
        f"{args.jobs} SFT jobs of {args.steps} steps (tiny model)"
    )
    print(
        f"{'':30} {'idle start':>10} {'after job 1':>12} {'after last':>11} {'max':>8} {'median s/job':>13}"
    )
    for name, row in results.items():
        mb = row["after_each_job_mb"]
        print(
            f"{name:30} {row['at_start_mb']:10.0f} {mb[0]:12.0f} {mb[-1]:11.0f} {max(mb):8.0f} "
            f"{statistics.median(row['job_seconds']):13.1f}"
        )
    print(f"{os.cpu_count()} CPUs; load average (1 min) at the end {os.getloadavg()[0]:.2f}")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
