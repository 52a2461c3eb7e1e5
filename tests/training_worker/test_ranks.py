"""Several processes for one job on the CPU (gloo), with real rank processes: two ranks with
half the per-device batch follow one process's loss curve, only rank 0 reports, a worker
refuses more ranks than it has cores (naming the field), the job's ending names a rank that
died, and the ranks die with the process that started them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.conftest import new_job_id, run_spec
from training_worker.configs import ConfigError
from training_worker.contracts import JobSpec, ProgressEvent
from training_worker.control import JobControl
from training_worker.events import ListSink
from training_worker.ranks import RankExit, Ranks, check_capacity, ending, run_ranks, wait_ranks

#: A constant learning rate large enough for the curve to move a lot in 8 steps.
CURVE = {"learning_rate": 0.01, "max_steps": 8, "lr_scheduler_type": "constant", "save_steps": 4}
#: Relative difference allowed per step. Not exact: DDP sums the two ranks' gradients
#: (all-reduce) in another order than one process's backward sums the rows, so float32
#: rounding differs (measured: about 1e-6); a wrong global batch or data order differs by
#: more than 1e-2 from the first step.
TOLERANCE = 1e-4


def _spec(tiny_model: Path, problems_file: Path, artifact_root: Path, config: dict[str, Any]) -> JobSpec:
    job_id = new_job_id("ranks")
    return JobSpec(
        job_id=job_id,
        kind="sft",
        model=str(tiny_model),
        data_uris=[str(problems_file)],
        artifact_prefix=str(artifact_root / "runs" / job_id),
        method_config=config,
        seed=0,
    )


def _losses(events: list[ProgressEvent]) -> list[float]:
    return [float(e.payload["loss"]) for e in events if e.type == "metrics"]


def test_two_ranks_follow_one_process_on_the_same_global_batch(
    tiny_model: Path, problems_file: Path, artifact_root: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    single = run_spec(
        _spec(tiny_model, problems_file, artifact_root, {**CURVE, "per_device_train_batch_size": 2}),
        artifact_root,
    )
    assert single.outcome.status == "finished"

    spec = _spec(
        tiny_model,
        problems_file,
        artifact_root,
        {**CURVE, "per_device_train_batch_size": 1, "num_processes": 2},
    )
    spec_file, events_file = tmp_path / "spec.json", tmp_path / "events.jsonl"
    spec_file.write_text(spec.to_json())
    monkeypatch.setenv("ARTIFACT_ROOT", str(artifact_root))
    command = [sys.executable, "-m", "training_worker", "run", str(spec_file), "--events", str(events_file)]
    ranks = Ranks(command, 2, tmp_path)
    ranks.start()
    assert wait_ranks(ranks, None, grace_s=120) is None
    assert [e.returncode for e in ranks.exits] == [0, 0], ranks.tail(0) + ranks.tail(1)

    events = [ProgressEvent.from_json(line) for line in events_file.read_text().splitlines()]
    # Both ranks appended to one file; rank 0 alone wrote, each event once.
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.type for e in events].count("started") == 1 and events[-1].type == "finished"
    assert [e.step for e in events if e.type == "checkpoint"] == [4, 8]
    one, two = _losses(single.sink.events), _losses(events)
    assert len(one) == len(two) == 8 and one[0] != one[-1]
    for step, (a, b) in enumerate(zip(one, two, strict=True), start=1):
        assert abs(a - b) <= TOLERANCE * abs(a), f"step {step}: one process {a}, two ranks {b}"
    saved = {p.name for p in (Path(spec.artifact_prefix) / "checkpoints" / "checkpoint-8").iterdir()}
    assert {"config.json", "model.safetensors", "rng_state_0.pth", "rng_state_1.pth"} <= saved


def test_more_ranks_than_cores_fail_the_job_naming_the_field(
    tiny_model: Path, problems_file: Path, artifact_root: Path, redis_client: Any, redis_url: str
) -> None:
    too_many = len(os.sched_getaffinity(0)) + 1
    with pytest.raises(ConfigError) as refused:
        check_capacity(too_many)
    assert refused.value.field == "num_processes" and "CPU core" in str(refused.value)

    spec = _spec(tiny_model, problems_file, artifact_root, {**CURVE, "num_processes": too_many})
    sink = ListSink()
    control = JobControl(redis_client, spec.job_id, heartbeat_s=0.5)
    kind, _ = run_ranks(
        spec, spec.to_json(), sink=sink, control=control, redis_url=redis_url, heartbeat_s=0.5
    )
    assert kind == "failed"
    [failed] = sink.events
    assert failed.type == "failed" and str(failed.payload["error"]).startswith(
        f"num_processes: {too_many} processes asked, but this worker has {too_many - 1} CPU core"
    )


def _ended(tmp_path: Path, *exits: RankExit) -> Ranks:
    ranks = Ranks([], len(exits), tmp_path)
    ranks.exits = list(exits)
    return ranks


def _held(kind: str, **payload: Any) -> ProgressEvent:
    return ProgressEvent(job_id="j", seq=9, type=kind, step=4, payload=payload, timestamp=0.0)


def test_the_ending_names_the_rank_that_died_unless_rank_0_said_why(tmp_path: Path) -> None:
    # A rank killed by a signal: failed naming it, whatever rank 0 then reported.
    kind, payload = ending(
        _ended(tmp_path, RankExit(1, 41, -9), RankExit(0, 40, 1)),
        _held("failed", error="gloo: peer closed"),
        None,
    )
    assert kind == "failed" and payload["error"].startswith("rank 1 (pid 41) was killed by signal SIGKILL")
    assert payload["rank0_error"] == "gloo: peer closed"
    # Rank 0 killed before it wrote an ending: the parent still ends the job.
    kind, payload = ending(
        _ended(tmp_path, RankExit(0, 40, -9), RankExit(1, 41, 0, stopped=True)), None, None
    )
    assert kind == "failed" and payload["error"].startswith("rank 0 (pid 40) was killed by signal SIGKILL")
    # Rank 0's own failure (e.g. a config error on every rank) is the job's.
    held = _held("failed", error="max_steps: must be positive")
    assert ending(_ended(tmp_path, RankExit(1, 41, 1), RankExit(0, 40, 1)), held, None) == (
        "failed",
        held.payload,
    )
    # Rank 0 finished but another rank failed by itself: failed, with that rank's output.
    (tmp_path / "rank-1.log").write_text("Traceback\nOSError: disk full\n")
    kind, payload = ending(_ended(tmp_path, RankExit(0, 40, 0), RankExit(1, 41, 1)), _held("finished"), None)
    assert kind == "failed" and payload["error"].endswith(
        "exited with status 1; the other ranks were stopped\nTraceback\nOSError: disk full"
    )
    # A clean end, and a cancel (every rank exits 0): rank 0's ending as it wrote it.
    assert (
        ending(_ended(tmp_path, RankExit(0, 40, 0), RankExit(1, 41, 0)), _held("cancelled"), None)[0]
        == "cancelled"
    )


def test_ranks_die_with_the_process_that_started_them(tmp_path: Path) -> None:
    """The liveness check's hard kill (SIGKILL to the task's process) takes the ranks along."""
    import psutil

    starter = f"""
import sys, time
from pathlib import Path
from training_worker.ranks import Ranks
ranks = Ranks([sys.executable, "-c", "import time; time.sleep(120)"], 2, Path({str(tmp_path)!r}))
ranks.start()
print(" ".join(str(p.pid) for p in ranks.procs), flush=True)
time.sleep(120)
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    parent = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True, env=env)
    assert parent.stdout is not None
    pids = [int(pid) for pid in parent.stdout.readline().split()]
    ranks = [psutil.Process(pid) for pid in pids]
    assert len(ranks) == 2 and all(r.is_running() for r in ranks)
    parent.kill()
    parent.wait(timeout=30)
    _, alive = psutil.wait_procs(ranks, timeout=30)
    assert alive == []
