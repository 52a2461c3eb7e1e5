"""Generation for evaluation (job kind ``generate``) with a tiny model built offline, through
``run_job`` and a JSONL event file: the config, the generations file, determinism, stop
strings, cancel between batches and resuming, a checkpoint's answers judged by the real
sandbox, and the CLI."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox import JudgeRequest, SandboxClient, extract_code
from tests.training_worker.conftest import Run, new_job_id, run_spec
from tests.training_worker.tiny import PROBLEMS, write_problems
from training_worker.configs import ConfigError, GenerateConfig
from training_worker.contracts import (
    ContractError,
    GenerationRecord,
    JobSpec,
    ProblemRecord,
    ProgressEvent,
    checkpoint_eval_spec,
)
from training_worker.control import JobControl
from training_worker.events import JsonlSink, ListSink
from training_worker.registry import method
from training_worker.storage import local_path

REPO = Path(__file__).resolve().parents[2]
SAMPLED = {"n": 3, "temperature": 1.0, "max_new_tokens": 12, "batch_size": 3, "progress_every_s": 0}


# --- config and contracts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"n": 0}, "n: must be > 0, got 0"),
        ({"n": 2.0}, "n: expected an integer, got 2.0"),
        ({"temperature": -0.1}, "temperature: must be >= 0, got -0.1"),
        ({"top_p": 0}, "top_p: must be in (0, 1], got 0.0"),
        ({"top_p": 1.5}, "top_p: must be in (0, 1], got 1.5"),
        ({"max_new_tokens": 0}, "max_new_tokens: must be > 0, got 0"),
        ({"batch_size": 0}, "batch_size: must be > 0, got 0"),
        ({"stop": "\n"}, "stop: expected a list, got str"),
        ({"stop": ["\ndef", ""]}, "stop[1]: must not be empty"),
        ({"chat_template": 1}, "chat_template: expected true or false, got 1"),
        ({"backend": "tgi"}, "backend: must be one of auto, transformers, vllm, got 'tgi'"),
        ({"roles": []}, "roles: must be null or a non-empty list of non-empty strings"),
        ({"task_ids": ["a", " "]}, "task_ids: must be null or a non-empty list of non-empty strings"),
        ({"limit": 0}, "limit: must be > 0, got 0"),
        ({"vllm_gpu_memory_utilization": 0}, "vllm_gpu_memory_utilization: must be in (0, 1], got 0.0"),
        ({"learning_rate": 1e-5}, "learning_rate: unknown field for generate; known: backend, batch_size"),
    ],
)
def test_generate_config_refuses_invalid_values_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        GenerateConfig.from_dict(data)
    assert str(exc.value).startswith(message)


def test_generate_config_defaults_are_greedy_pass_at_1_and_every_field_has_help() -> None:
    config = GenerateConfig.from_dict({})
    assert (config.n, config.temperature, config.greedy, config.chat_template) == (1, 0.0, True, True)
    assert config.backend == "auto" and config.roles is None and config.stop == []
    assert all(text.strip() for text in GenerateConfig.field_help().values())
    assert "identical" in GenerateConfig.field_help()["n"]  # n > 1 at temperature 0 is allowed, and said
    assert GenerateConfig.from_dict({"n": 4, "temperature": 0}).n == 4
    assert method("generate").config_class is GenerateConfig
    assert GenerateConfig.from_dict({"temperature": 1}).temperature == 1.0  # an int is a number


def _record(**overrides: Any) -> GenerationRecord:
    fields: dict[str, Any] = {
        "task_id": "t/1",
        "sample_index": 0,
        "source": "atom_base",
        "data_uri": "snapshots/x.jsonl",
        "prompt": "p",
        "completion": "```python\ndef f():\n    return 1\n```",
        "code": "def f():\n    return 1\n",
        "prompt_tokens": 3,
        "completion_tokens": 9,
        "finish_reason": "stop",
        "seconds": 0.25,
    }
    return GenerationRecord(**{**fields, **overrides})


def test_generation_record_round_trips_and_refuses_bad_fields() -> None:
    record = _record()
    assert GenerationRecord.from_json(record.to_json()) == record
    assert json.loads(record.to_json())["schema_version"] == 1
    with pytest.raises(ContractError, match="finish_reason: 'eos' is not one of stop, length"):
        _record(finish_reason="eos")
    with pytest.raises(ContractError, match="sample_index: must be >= 0"):
        _record(sample_index=-1)
    with pytest.raises(ContractError, match=r"GenerationRecord\.prompt_tokens: expected integer, got str"):
        GenerationRecord.from_dict({**record.to_dict(), "prompt_tokens": "3"})
    with pytest.raises(ContractError, match="unknown field"):
        GenerationRecord.from_dict({**record.to_dict(), "verdict": "passed"})


def test_checkpoint_eval_spec_records_the_whole_protocol_and_validates_it() -> None:
    spec = checkpoint_eval_spec(
        job_id="eval-3-step-40",
        checkpoint_uri="runs/3/checkpoints/checkpoint-40",
        base_model="default",
        data_uris=["snapshots/abc.jsonl"],
        artifact_prefix="evals/9",
        method_config={"n": 5, "temperature": 0.8},
        seed=7,
    )
    assert (spec.kind, spec.model, spec.init_checkpoint, spec.seed) == (
        "generate", "default", "runs/3/checkpoints/checkpoint-40", 7,
    )  # fmt: skip
    assert spec.method_config == {**GenerateConfig.from_dict({}).to_dict(), "n": 5, "temperature": 0.8}
    assert JobSpec.from_json(spec.to_json()) == spec
    with pytest.raises(ContractError, match=r"JobSpec\.method_config: top_p: must be in \(0, 1\]"):
        checkpoint_eval_spec(
            job_id="e", checkpoint_uri="c", base_model="default", data_uris=["d"], artifact_prefix="p",
            method_config={"top_p": 2},
        )  # fmt: skip


# --- generation through run_job -------------------------------------------------------


def _spec(model: Path, data: Path, config: dict[str, Any], **extra: Any) -> JobSpec:
    job_id = extra.pop("job_id", None) or new_job_id("gen")
    return JobSpec(
        job_id=job_id,
        kind="generate",
        model=str(model),
        data_uris=[str(data)],
        artifact_prefix=extra.pop("artifact_prefix", f"evals/{job_id}"),  # under the artifact root
        method_config=config,
        seed=extra.pop("seed", 0),
        **extra,
    )


def _read(uri: str) -> list[GenerationRecord]:
    return [GenerationRecord.from_json(line) for line in local_path(uri).read_text().splitlines()]


def _lines(run: Run) -> list[GenerationRecord]:
    """The generations file named by the job's last (terminal) event."""
    return _read(run.sink.events[-1].payload["generations_uri"])


def _samples(run: Run) -> dict[tuple[str, int], str]:
    return {(g.task_id, g.sample_index): g.completion for g in _lines(run)}


def test_a_generate_job_writes_n_samples_per_problem_and_reports_through_a_jsonl_event_file(
    tiny_model: Path, problems_file: Path, artifact_root: Path, tmp_path: Path
) -> None:
    events_file = tmp_path / "events.jsonl"
    spec = _spec(tiny_model, problems_file, SAMPLED)
    with events_file.open("a") as fh:
        run = run_spec(spec, artifact_root, sink=JsonlSink(fh))
    assert run.outcome.status == "finished", run.outcome.error
    events = [ProgressEvent.from_json(line) for line in events_file.read_text().splitlines()]
    types = [e.type for e in events if e.type not in ("heartbeat", "log")]
    assert types[0] == "started" and types[-1] == "finished"
    assert events[0].payload["config"]["n"] == 3
    progress = [e.payload for e in events if e.type == "generations"]
    assert [p["done"] for p in progress] == [0, 3, 6] and {p["total"] for p in progress} == {6}
    finished = events[-1].payload
    uri = str(artifact_root / "evals" / spec.job_id / "generations.jsonl")
    assert finished["generations_uri"] == uri and finished["count"] == 6 and finished["total"] == 6
    assert finished["backend"] == "transformers"
    assert finished["seconds"] > 0 and finished["samples_per_second"] > 0

    rows = _read(uri)
    assert sorted((r.task_id, r.sample_index) for r in rows) == [
        (task, i) for task in ("tiny/add", "tiny/neg") for i in range(3)
    ]
    records = {p["task_id"]: ProblemRecord.from_dict(p) for p in PROBLEMS}
    for row in rows:
        record = records[row.task_id]
        assert row.source == "atom_base" and row.data_uri == str(problems_file)
        assert row.prompt.startswith("<|im_start|>user\n" + record.prompt)  # the chat template, as trained
        assert row.prompt.endswith("<|im_start|>assistant\n")
        assert row.code == extract_code(row.completion, record.entry_point, record.prompt)
        assert row.prompt_tokens > 0 and 1 <= row.completion_tokens <= 12
        assert row.finish_reason in ("stop", "length") and row.seconds > 0
        if row.finish_reason == "length":
            assert row.completion_tokens == 12
    # Samples of one problem differ (temperature 1, a seed per sample).
    assert len({r.completion for r in rows if r.task_id == "tiny/add"}) > 1


def test_the_same_seed_gives_the_same_samples_whatever_else_is_generated(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    first = run_spec(_spec(tiny_model, problems_file, SAMPLED, seed=11), artifact_root)
    again = run_spec(_spec(tiny_model, problems_file, SAMPLED, seed=11), artifact_root)
    other = run_spec(_spec(tiny_model, problems_file, SAMPLED, seed=12), artifact_root)
    # One problem alone, listed last: its samples do not depend on the other problem's.
    alone = run_spec(
        _spec(tiny_model, problems_file, {**SAMPLED, "task_ids": ["tiny/neg"]}, seed=11), artifact_root
    )
    assert _samples(first) == _samples(again)
    assert _samples(first) != _samples(other)
    assert _samples(alone) == {k: v for k, v in _samples(first).items() if k[0] == "tiny/neg"}


def test_greedy_samples_are_identical_and_the_job_says_so(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    run = run_spec(
        _spec(tiny_model, problems_file, {"n": 2, "temperature": 0, "max_new_tokens": 10}), artifact_root
    )
    assert run.outcome.status == "finished"
    rows = _lines(run)
    for task in ("tiny/add", "tiny/neg"):
        assert len({r.completion for r in rows if r.task_id == task}) == 1
    assert any("will be identical" in e.payload["message"] for e in run.of("log"))


def test_a_stop_string_ends_the_sample_before_it(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    greedy = {"temperature": 0, "max_new_tokens": 24, "task_ids": ["tiny/add"]}
    full = _lines(run_spec(_spec(tiny_model, problems_file, greedy), artifact_root))[0]
    assert full.finish_reason == "length" and full.completion_tokens == 24
    middle = len(full.completion) // 2
    stop = full.completion[middle : middle + 3]
    assert stop.strip(), f"pick another slice of {full.completion!r}"
    cut = _lines(
        run_spec(_spec(tiny_model, problems_file, {**greedy, "stop": [stop, "never seen"]}), artifact_root)
    )
    assert cut[0].completion == full.completion[: full.completion.index(stop)]
    assert cut[0].finish_reason == "stop" and cut[0].completion_tokens < 24


def test_roles_task_ids_and_limit_select_the_problems(
    tiny_model: Path, artifact_root: Path, tmp_path: Path
) -> None:
    problems = [*copy.deepcopy(PROBLEMS), {**copy.deepcopy(PROBLEMS[0]), "task_id": "tiny/add-bench"}]
    problems[0]["meta"]["mixture"] = {"role": "train"}
    problems[1]["meta"]["mixture"] = {"role": "eval"}
    data = write_problems(tmp_path / "mixed.jsonl", problems)
    config = {"max_new_tokens": 4}

    def tasks(extra: dict[str, Any]) -> list[str]:
        run = run_spec(_spec(tiny_model, data, {**config, **extra}), artifact_root)
        assert run.outcome.status == "finished", run.outcome.error
        return [r.task_id for r in _lines(run)]

    assert tasks({}) == ["tiny/add", "tiny/neg", "tiny/add-bench"]
    assert tasks({"roles": ["eval"]}) == ["tiny/neg"]
    assert tasks({"task_ids": ["tiny/add-bench", "tiny/add"]}) == ["tiny/add", "tiny/add-bench"]
    assert tasks({"limit": 2}) == ["tiny/add", "tiny/neg"]
    none = run_spec(_spec(tiny_model, data, {**config, "roles": ["test"]}), artifact_root)
    assert none.outcome.status == "failed" and "no problem in" in (none.outcome.error or "")


def test_vllm_asked_on_a_machine_without_it_fails_naming_the_field(
    tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    run = run_spec(_spec(tiny_model, problems_file, {"backend": "vllm"}), artifact_root)
    assert run.outcome.status == "failed"
    assert run.of("failed")[0].payload["error"].startswith("backend: vllm needs the vllm package and a CUDA")


class CancelAfter:
    """Asks the job to stop (the real Redis key) once a progress event reports ``done``."""

    def __init__(self, control: JobControl, done: int) -> None:
        self.inner = ListSink()
        self.control, self.done = control, done

    def emit(self, event: ProgressEvent) -> None:
        self.inner.emit(event)
        if event.type == "generations" and event.payload["done"] >= self.done:
            self.control.request_cancel()


def test_cancel_stops_between_batches_keeps_what_was_written_and_a_new_attempt_completes_it(
    tiny_model: Path, problems_file: Path, artifact_root: Path, redis_client: Any
) -> None:
    config = {**SAMPLED, "n": 4, "batch_size": 2}  # 8 samples in 4 batches
    job_id = new_job_id("gencancel")
    control = JobControl(redis_client, job_id, heartbeat_s=0.5)
    sink = CancelAfter(control, done=2)
    spec = _spec(tiny_model, problems_file, config, job_id=job_id)
    first = run_spec(spec, artifact_root, control=control, sink=sink)
    assert first.outcome.status == "cancelled"
    cancelled = sink.inner.of_type("cancelled")[0].payload
    # The flag, set after batch 1's report, is seen after batch 2.
    assert (cancelled["count"], cancelled["total"]) == (4, 8)
    kept = _lines(Run(spec, sink.inner, first.outcome))
    assert [(r.task_id, r.sample_index) for r in kept] == [("tiny/add", i) for i in range(4)]
    assert redis_client.get(f"atomlab:job:{job_id}:lock") is None

    control.clear_cancel()
    second = run_spec(
        _spec(tiny_model, problems_file, config, job_id=job_id, attempt=2),
        artifact_root,
        control=JobControl(redis_client, job_id, heartbeat_s=0.5),
    )
    assert second.outcome.status == "finished"
    assert second.of("finished")[0].payload["count"] == 8
    rows = _lines(second)
    assert rows[:4] == kept  # kept as written, not generated again
    assert second.of("generations")[0].payload["done"] == 4
    # Resumed or not, the file holds what one uninterrupted run of the same seed writes.
    whole = run_spec(_spec(tiny_model, problems_file, config), artifact_root)
    assert _samples(second) == _samples(whole)


def test_a_checkpoint_evaluation_answers_what_training_taught_and_the_sandbox_passes_it(
    memorised: Run, tiny_model: Path, problems_file: Path, artifact_root: Path
) -> None:
    job_id = new_job_id("ckpteval")
    spec = checkpoint_eval_spec(
        job_id=job_id,
        checkpoint_uri=memorised.outcome.checkpoint,
        base_model=str(tiny_model),
        data_uris=[str(problems_file)],
        artifact_prefix=f"evals/{job_id}",
        method_config={"max_new_tokens": 40},
    )
    run = run_spec(spec, artifact_root)
    assert run.outcome.status == "finished", run.outcome.error
    rows = _lines(run)
    assert rows[0].code == "def add(a, b):\n    return a + b\n"
    assert all(r.finish_reason == "stop" for r in rows)  # ended by the end-of-turn token
    records = {p["task_id"]: ProblemRecord.from_dict(p) for p in PROBLEMS}
    with SandboxClient(workers=1) as client:
        results = client.judge_batch(
            [
                JudgeRequest(program=r.code, entry_point=records[r.task_id].entry_point,
                             cases=records[r.task_id].cases, id=r.task_id)
                for r in rows
            ]
        )  # fmt: skip
    assert [res.passed for res in results] == [True, True]


def test_the_cli_runs_a_generate_spec(
    tiny_model: Path, problems_file: Path, artifact_root: Path, tmp_path: Path
) -> None:
    spec = _spec(tiny_model, problems_file, {"n": 2, "temperature": 0.7, "max_new_tokens": 6})
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(spec.to_json())
    env = {**os.environ, "ARTIFACT_ROOT": str(artifact_root), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "training_worker", "run", str(spec_file)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    events = [ProgressEvent.from_json(line) for line in result.stdout.splitlines()]
    assert events[-1].type == "finished" and events[-1].payload["count"] == 4
    rows = (artifact_root / "evals" / spec.job_id / "generations.jsonl").read_text().splitlines()
    assert len([GenerationRecord.from_json(line) for line in rows]) == 4
