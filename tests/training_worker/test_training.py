"""Real training on the CPU with a tiny model built offline: SFT (full and LoRA), GRPO from
the SFT checkpoint rewarded by the real sandbox, RLOO, cooperative cancel through the Redis
key, and resume at the right step."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from tests.training_worker.conftest import SFT_MEMORISE, Run, new_job_id, run_spec
from training_worker.contracts import JobSpec, ProgressEvent
from training_worker.control import JobControl
from training_worker.events import ListSink
from training_worker.rewards import CATEGORIES
from training_worker.storage import local_path


def _spec(kind: str, model: Path, data: Path, root: Path, config: dict[str, Any], **extra: Any) -> JobSpec:
    job_id = extra.pop("job_id", None) or new_job_id(kind)
    return JobSpec(
        job_id=job_id,
        kind=kind,
        model=str(model),
        data_uris=[str(data)],
        artifact_prefix=str(root / "runs" / job_id),
        method_config=config,
        seed=0,
        **extra,
    )


def _assert_in_order(events: list[ProgressEvent]) -> None:
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert events[0].type == "started"
    assert [e.type for e in events if e.type in ("finished", "failed", "cancelled")] == [events[-1].type]


def test_sft_run_completes_with_falling_loss_a_checkpoint_and_ordered_events(memorised: Run) -> None:
    assert memorised.outcome.status == "finished", memorised.of("failed")
    events = memorised.sink.events
    _assert_in_order(events)
    losses = [e.payload["loss"] for e in memorised.of("metrics")]
    assert len(losses) == SFT_MEMORISE["max_steps"]
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    finished = memorised.of("finished")[0]
    assert finished.step == SFT_MEMORISE["max_steps"]
    checkpoint = local_path(finished.payload["checkpoint"])
    assert checkpoint.name == "checkpoint-30"
    assert (checkpoint / "model.safetensors").exists() and (checkpoint / "trainer_state.json").exists()
    assert [e.payload["step"] for e in memorised.of("checkpoint")] == [15, 30]
    started = memorised.of("started")[0].payload
    assert started["config"]["learning_rate"] == 0.01 and started["versions"]["trl"]


def test_lora_sft_trains_an_adapter(tiny_model: Path, problems_file: Path, artifact_root: Path) -> None:
    config = {
        **SFT_MEMORISE,
        "max_steps": 4,
        "save_steps": 4,
        "use_lora": True,
        "lora_r": 4,
        "loss_type": "dft",
    }
    run = run_spec(_spec("sft", tiny_model, problems_file, artifact_root, config), artifact_root)
    assert run.outcome.status == "finished", run.of("failed")
    checkpoint = local_path(run.outcome.checkpoint)
    assert (checkpoint / "adapter_config.json").exists()
    assert not (checkpoint / "model.safetensors").exists()  # only the adapter was trained
    assert len(run.of("metrics")) == 4


RL_CONFIG = {
    "learning_rate": 1e-4,
    "max_steps": 3,
    "per_device_train_batch_size": 4,
    "num_generations": 4,
    "max_completion_length": 24,
    "save_steps": 3,
    "beta": 0.0,
}


def _rollouts(run: Run) -> list[dict[str, Any]]:
    rows = []
    for event in run.of("generations"):
        path = local_path(event.payload["uri"])
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def test_grpo_from_the_sft_checkpoint_earns_reward_from_the_sandbox(
    memorised: Run, tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    config = {**RL_CONFIG, "loss_type": "dr_grpo", "reward_mode": "fraction"}
    spec = _spec(
        "grpo", tiny_model, problems_file, artifact_root, config, init_checkpoint=memorised.outcome.checkpoint
    )
    run = run_spec(spec, artifact_root)
    assert run.outcome.status == "finished", run.of("failed")
    _assert_in_order(run.sink.events)
    metrics = run.of("metrics")
    assert len(metrics) == 3
    assert sum(m.payload["reward"] for m in metrics) / len(metrics) > 0
    for m in metrics:
        shares = [m.payload[f"rollouts/{c}"] for c in CATEGORIES]
        assert abs(sum(shares) - 1) < 1e-6
        assert "completion_length" in m.payload and "learning_rate" in m.payload
    rows = _rollouts(run)
    assert len(rows) == 3 * 4
    assert {r["task_id"] for r in rows} <= {"tiny/add", "tiny/neg"}
    assert any(r["verdict"] == "passed" and r["reward"] == 1.0 for r in rows)
    assert all(r["category"] in CATEGORIES and r["code"] is not None for r in rows)
    assert [e.step for e in run.of("generations")] == [1, 2, 3]


def test_rloo_runs_a_few_steps(
    memorised: Run, tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    spec = _spec(
        "rloo", tiny_model, problems_file, artifact_root, {**RL_CONFIG, "max_steps": 2, "save_steps": 2},
        init_checkpoint=memorised.outcome.checkpoint,
    )  # fmt: skip
    run = run_spec(spec, artifact_root)
    assert run.outcome.status == "finished", run.of("failed")
    assert [m.step for m in run.of("metrics")] == [1, 2]
    assert run.of("finished")[0].payload["checkpoint"].endswith("checkpoint-2")


class CancelAtStep:
    """A sink that asks the job to stop (through the real Redis key) once it reports ``step``."""

    def __init__(self, control: JobControl, step: int) -> None:
        self.inner = ListSink()
        self.control, self.step = control, step

    def emit(self, event: ProgressEvent) -> None:
        self.inner.emit(event)
        if event.type == "metrics" and event.step == self.step:
            self.control.request_cancel()


def test_cancel_through_redis_stops_within_a_step_keeps_a_checkpoint_and_resume_continues(
    tiny_model: Path, problems_file: Path, artifact_root: Path, redis_client: Any
) -> None:
    config = {**SFT_MEMORISE, "max_steps": 10, "save_steps": 100}
    job_id = new_job_id("cancel")
    control = JobControl(redis_client, job_id, heartbeat_s=0.5)
    sink = CancelAtStep(control, step=3)
    spec = _spec("sft", tiny_model, problems_file, artifact_root, config, job_id=job_id)
    first = run_spec(spec, artifact_root, control=control, sink=sink)
    events = sink.inner.events
    assert first.outcome.status == "cancelled"
    cancelled = next(e for e in events if e.type == "cancelled")
    # The flag is seen at the next step boundary: a step or two later at most.
    assert 3 <= cancelled.step <= 5
    checkpoint = cancelled.payload["checkpoint"]
    assert checkpoint.endswith(f"checkpoint-{cancelled.step}")
    assert (local_path(checkpoint) / "optimizer.pt").exists()
    assert redis_client.get(f"atomlab:job:{job_id}:lock") is None  # released

    control.clear_cancel()  # what the web side does when it re-queues the run
    resumed_spec = _spec(
        "sft", tiny_model, problems_file, artifact_root, config, job_id=job_id,
        resume_checkpoint=checkpoint, resume_step=cancelled.step, attempt=2,
    )  # fmt: skip
    second = run_spec(resumed_spec, artifact_root, control=JobControl(redis_client, job_id, heartbeat_s=0.5))
    assert second.outcome.status == "finished", second.of("failed")
    steps = [m.step for m in second.of("metrics")]
    assert steps[0] == cancelled.step + 1
    assert steps[-1] == second.outcome.step == config["max_steps"]  # not max_steps + k
    # One numbering across both attempts: the web side's (job, seq) key never collides.
    assert min(e.seq for e in second.sink.events) > max(e.seq for e in events)


def test_heartbeat_sets_the_redis_key_and_emits_events(
    tiny_model: Path, problems_file: Path, artifact_root: Path, redis_client: Any
) -> None:
    job_id = new_job_id("beat")
    seen: list[bytes | None] = []

    class Watch(ListSink):
        def emit(self, event: ProgressEvent) -> None:
            super().emit(event)
            if event.type == "heartbeat":
                seen.append(redis_client.get(f"atomlab:job:{job_id}:heartbeat"))
            elif event.type == "metrics":
                time.sleep(0.3)  # the run must outlast a few beats however fast the machine

    # A slow job: the model is saved every step, each step's event waits 0.3 s, a heartbeat
    # every 0.5 s (6 steps: at least 1.8 s, so at least three beats).
    config = {**SFT_MEMORISE, "max_steps": 6, "save_steps": 1}
    spec = _spec("sft", tiny_model, problems_file, artifact_root, config, job_id=job_id)
    run = run_spec(
        spec, artifact_root, control=JobControl(redis_client, job_id, heartbeat_s=0.5), sink=Watch()
    )
    assert run.outcome.status == "finished"
    assert run.of("heartbeat"), "no heartbeat during the run"
    assert all(value is not None and float(value) > 0 for value in seen)
    # Each beat says where the job runs and how much memory that process holds (it has a model loaded).
    assert all(
        e.payload["pid"] == os.getpid() and e.payload["rss_bytes"] > 50 * 2**20 for e in run.of("heartbeat")
    )
    assert redis_client.ttl(f"atomlab:job:{job_id}:heartbeat") == -2  # dropped at the end


def test_a_second_run_of_a_held_job_exits_without_running(
    tiny_model: Path, problems_file: Path, artifact_root: Path, redis_client: Any
) -> None:
    job_id = new_job_id("held")
    redis_client.set(f"atomlab:job:{job_id}:lock", "another-worker", ex=60)
    spec = _spec("sft", tiny_model, problems_file, artifact_root, SFT_MEMORISE, job_id=job_id)
    run = run_spec(spec, artifact_root, control=JobControl(redis_client, job_id))
    assert run.outcome.status == "skipped"
    assert run.sink.events == []
    assert redis_client.get(f"atomlab:job:{job_id}:lock") == b"another-worker"


def test_an_invalid_config_fails_the_job_naming_the_field(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    spec = _spec("grpo", tiny_model, problems_file, artifact_root, {"learning_rate": -1})
    run = run_spec(spec, artifact_root)
    assert run.outcome.status == "failed"
    assert [e.type for e in run.sink.events] == ["failed"]
    assert run.of("failed")[0].payload["error"] == "learning_rate: must be > 0, got -1.0"


def test_vllm_rollouts_on_a_worker_without_cuda_fail_naming_the_field(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    """Both modes, GRPO and RLOO: refused before any weights load (the development
    machines have no CUDA device, so this is the path they can run)."""
    server = {"use_vllm": True, "vllm_mode": "server", "vllm_server_base_url": "http://127.0.0.1:8000"}
    for kind, vllm in (("grpo", {"use_vllm": True}), ("rloo", server)):
        spec = _spec(kind, tiny_model, problems_file, artifact_root, {**RL_CONFIG, **vllm})
        run = run_spec(spec, artifact_root)
        assert run.outcome.status == "failed", kind
        assert run.of("failed")[0].payload["error"] == "use_vllm: needs a CUDA device; this worker has none"
        assert not run.of("metrics"), kind


def test_an_unknown_model_fails_with_a_clear_error(problems_file: Path, artifact_root: Path) -> None:
    spec = _spec("sft", Path("/nonexistent/model"), problems_file, artifact_root, SFT_MEMORISE)
    run = run_spec(spec, artifact_root)
    assert run.outcome.status == "failed"
    assert "no model folder there" in run.of("failed")[0].payload["error"]
