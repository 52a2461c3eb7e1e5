"""Fixtures of the training app's tests: snapshots of the tiny problems (the ones the tiny
offline model of tests/training_worker/tiny.py is built for), a Redis client on the test
Redis and a private GPU queue name per test, so no other worker takes its messages."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.tiny import PROBLEMS
from training_worker.contracts import ProblemRecord

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def artifacts(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Snapshots, checkpoints and rollouts of each test under a folder of its own."""
    root = tmp_path_factory.mktemp("artifacts")
    settings.ARTIFACT_ROOT = str(root)
    return root


@pytest.fixture(autouse=True)
def gpu_queue(settings: Any) -> str:
    """A queue name nobody else consumes: a message sent to it is one this test sent."""
    settings.TRAINING_QUEUE = f"gpu-test-{uuid.uuid4().hex[:8]}"
    return str(settings.TRAINING_QUEUE)


@pytest.fixture
def redis_client(settings: Any) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def make_snapshot(role: str = "train", problems: list[dict[str, Any]] | None = None, name: str = "") -> Any:
    """A frozen snapshot of ``problems`` (the tiny ones by default), every row in ``role``."""
    from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot
    from webapp.mixtures.storage import record_line, write_snapshot

    rows = problems or PROBLEMS
    records = [ProblemRecord.from_dict({**p, "meta": {**p["meta"], "mixture": {"role": role}}}) for p in rows]
    sha, _path, size = write_snapshot([record_line(r) for r in records])
    mixture = Mixture.objects.create(name=name or f"tiny-{role}-{uuid.uuid4().hex[:6]}")
    version = MixtureVersion.objects.create(mixture=mixture, number=1)
    snapshot, _ = Snapshot.objects.get_or_create(
        version=version,
        sha256=sha,
        defaults={
            "recipe": {"name": mixture.name, "version": 1},
            "path": f"snapshots/{sha}.jsonl",
            "size_bytes": size,
            "rows": len(records),
            "counts": {"role": {role: len(records)}},
        },
    )
    return snapshot


def queued_messages(client: Any, queue: str) -> int:
    """Messages waiting in a Celery queue on Redis (the queue is a Redis list)."""
    return int(client.llen(queue))
