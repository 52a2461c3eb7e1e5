"""Fixtures for the GPU worker's tests: a tiny model built offline, a problems file, the
test Redis, and one SFT run that memorises the tiny problems (shared by the RL tests)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.tiny import build_tiny_model, write_problems
from training_worker.contracts import JobSpec
from training_worker.events import ListSink

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def problems_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_problems(tmp_path_factory.mktemp("snapshots") / "tiny.jsonl")


@pytest.fixture(scope="session")
def artifact_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("artifacts")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def new_job_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Run:
    spec: JobSpec
    sink: ListSink
    outcome: Any

    def of(self, kind: str) -> list[Any]:
        return self.sink.of_type(kind)


def run_spec(spec: JobSpec, artifact_root: Path, control: Any = None, sink: Any = None) -> Run:
    from training_worker.jobs import run_job

    sink = sink or ListSink()
    outcome = run_job(spec, sink=sink, artifact_root=str(artifact_root), control=control, heartbeat_s=0.5)
    return Run(spec, sink, outcome)


SFT_MEMORISE = {
    "learning_rate": 0.01,
    "max_steps": 30,
    "per_device_train_batch_size": 2,
    "lr_scheduler_type": "constant",
    "save_steps": 15,
}


@pytest.fixture(scope="session")
def memorised(tiny_model: Path, problems_file: Path, artifact_root: Path) -> Run:
    """An SFT run (full fine-tuning) that teaches the tiny model the problems' solutions."""
    job_id = new_job_id("sft")
    spec = JobSpec(
        job_id=job_id,
        kind="sft",
        model=str(tiny_model),
        data_uris=[str(problems_file)],
        artifact_prefix=str(artifact_root / "runs" / job_id),
        method_config=SFT_MEMORISE,
        seed=0,
    )
    return run_spec(spec, artifact_root)
