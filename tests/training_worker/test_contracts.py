"""The wire types round-trip through JSON and refuse malformed input, naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training_worker.tiny import PROBLEMS
from training_worker import contracts
from training_worker.contracts import (
    SCHEMA_VERSION,
    UNMARKED_PROBLEM_VERSION,
    ContractError,
    JobSpec,
    ProblemRecord,
    ProgressEvent,
)

REPO = Path(__file__).resolve().parents[2]

SPEC = {
    "job_id": "42",
    "kind": "grpo",
    "model": "default",
    "data_uris": ["file:///tmp/snapshots/abc.jsonl"],
    "artifact_prefix": "s3://bucket/atomlab/runs/42",
    "method_config": {"learning_rate": 1e-6, "loss_type": "dr_grpo"},
    "seed": 7,
    "init_checkpoint": "s3://bucket/atomlab/runs/41/checkpoints/checkpoint-100",
    "resume_checkpoint": None,
    "resume_step": None,
}


def test_job_spec_round_trips_through_json() -> None:
    spec = JobSpec.from_dict(SPEC)
    assert JobSpec.from_json(spec.to_json()) == spec
    assert spec.schema_version == SCHEMA_VERSION and spec.attempt == 1
    assert json.loads(spec.to_json())["method_config"] == SPEC["method_config"]


def test_progress_event_round_trips_through_json() -> None:
    event = ProgressEvent(
        job_id="42", seq=3, type="metrics", step=10, payload={"loss": 0.5, "rollouts/passed": 0.25}
    )
    assert ProgressEvent.from_json(event.to_json()) == event
    assert ProgressEvent.from_dict({"job_id": "42", "seq": 1, "type": "heartbeat"}).step == 0


def test_problem_record_round_trips_and_reads_records_without_a_schema_version() -> None:
    for data in PROBLEMS:
        record = ProblemRecord.from_dict(data)  # snapshot rows of version 1 carry no schema_version
        assert record.schema_version == UNMARKED_PROBLEM_VERSION
        again = ProblemRecord.from_json(record.to_json())
        assert again == record and again.cases == data["cases"]
    humaneval = {
        **PROBLEMS[0],
        "cases": [],
        "test": "def check(candidate):\n    assert candidate(1, 1) == 2\n",
    }
    assert ProblemRecord.from_dict(humaneval).judgeable


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        (JobSpec, {**SPEC, "learning_rate": 1}, "JobSpec: unknown field(s) learning_rate"),
        (JobSpec, {**SPEC, "seed": "7"}, "JobSpec.seed: expected integer, got str"),
        (JobSpec, {**SPEC, "seed": True}, "JobSpec.seed: expected integer, got bool"),
        (JobSpec, {**SPEC, "kind": "ppo"}, "JobSpec.kind: 'ppo' is not one of sft, grpo, rloo, generate"),
        (
            JobSpec,
            {**SPEC, "data_uris": []},
            "JobSpec.data_uris: a training job needs at least one snapshot file",
        ),
        (
            JobSpec,
            {**SPEC, "job_id": "a/b"},
            "JobSpec.job_id: 'a/b' must be 1-128 letters, digits, '_', '.' or '-'",
        ),
        (
            JobSpec,
            {**SPEC, "resume_step": 5},
            "JobSpec.resume_step: give it together with resume_checkpoint, or neither",
        ),
        (JobSpec, {k: v for k, v in SPEC.items() if k != "model"}, "JobSpec: missing field(s) model"),
        (
            JobSpec,
            {**SPEC, "schema_version": 99},
            "JobSpec.schema_version: this worker reads versions 1..1, got 99",
        ),
        (ProgressEvent, {"job_id": "1", "seq": 0, "type": "log"}, "ProgressEvent.seq: must be >= 1, got 0"),
        (
            ProgressEvent,
            {"job_id": "1", "seq": 1, "type": "done"},
            "ProgressEvent.type: 'done' is not one of",
        ),
        (
            ProgressEvent,
            {"job_id": "1", "seq": 1, "type": "log", "payload": []},
            "ProgressEvent.payload: expected object, got list",
        ),
        (ProblemRecord, {**PROBLEMS[0], "tests": "x"}, "ProblemRecord: unknown field(s) tests"),
        (ProblemRecord, {**PROBLEMS[0], "cases": "[]"}, "ProblemRecord.cases: expected list, got str"),
        (ProblemRecord, {**PROBLEMS[0], "pool": 1}, "ProblemRecord.pool: expected string or null, got int"),
        (
            ProblemRecord,
            {**PROBLEMS[0], "cases": [{"args": [1], "want": 2}]},
            "ProblemRecord.cases[0]: unknown field(s) want",
        ),
        (
            ProblemRecord,
            {**PROBLEMS[0], "entry_point": ""},
            "ProblemRecord.entry_point: cases and tests need an entry point",
        ),
    ],
)
def test_malformed_wire_objects_are_refused_naming_the_field(cls: type, data: dict, message: str) -> None:
    with pytest.raises(ContractError) as info:
        cls.from_dict(data)
    assert str(info.value).startswith(message)


def test_a_problem_record_built_in_code_checks_field_types_as_from_dict_does() -> None:
    fields = dict(PROBLEMS[0])
    with pytest.raises(ContractError, match=r"^ProblemRecord.prompt: expected string, got NoneType"):
        ProblemRecord(**{**fields, "prompt": None})
    with pytest.raises(ContractError, match=r"^ProblemRecord.meta: expected object, got list"):
        ProblemRecord(**{**fields, "meta": []})
    with pytest.raises(ContractError, match=r"^ProblemRecord.schema_version: expected integer, got bool"):
        ProblemRecord(**{**fields, "schema_version": True})
    assert ProblemRecord(**fields) == ProblemRecord.from_dict(PROBLEMS[0])


def test_a_record_without_schema_version_stays_version_1_after_the_version_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(contracts, "SCHEMA_VERSION", 2)
    assert ProblemRecord.from_dict(PROBLEMS[0]).schema_version == 1
    assert ProblemRecord.from_dict({**PROBLEMS[0], "schema_version": 2}).schema_version == 2
    with pytest.raises(ContractError, match=r"reads versions 1\.\.2, got 3"):
        ProblemRecord.from_dict({**PROBLEMS[0], "schema_version": 3})


def test_malformed_json_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match="JobSpec: not valid JSON"):
        JobSpec.from_json("{not json")


def test_importing_the_worker_modules_the_web_side_may_use_stays_cheap() -> None:
    code = (
        "import sys, time; t = time.perf_counter();"
        "import training_worker.contracts, training_worker.configs, training_worker.storage,"
        " training_worker.events, training_worker.registry, training_worker.jobs, training_worker.rewards;"
        "elapsed = time.perf_counter() - t;"
        "heavy = [m for m in"
        " ('torch', 'transformers', 'trl', 'peft', 'datasets', 'fsspec', 'django', 'celery')"
        " if m in sys.modules];"
        "print(','.join(heavy)); print(elapsed)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    heavy, elapsed = result.stdout.split("\n")[:2]
    assert heavy == ""
    assert float(elapsed) < 0.5  # measured ~0.02 s; generous for a loaded machine
