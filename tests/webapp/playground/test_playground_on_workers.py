"""The playground through real processes: a researcher posts the form, a GPU-queue worker
generates with the tiny offline model, the events worker applies its events, the cpu worker
stores the samples and judges them in the sandbox against the snapshot problem's cases; the
request's page then shows each completion, its extracted code and its per-case verdicts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.tiny import build_tiny_model
from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker, wait_for
from webapp.core.models import JobStatus
from webapp.evaluation.models import Phase
from webapp.playground.models import PlaygroundRequest

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = f"gpu-playint-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def gpu_worker(celery_workers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuWorker]:
    worker = GpuWorker(QUEUE, str(tmp_path_factory.mktemp("worker-artifacts")))
    yield worker
    worker.stop()


@pytest.fixture
def shared_root(settings: Any, gpu_worker: GpuWorker) -> str:
    """JobSpecs and the request's prompt file carry absolute URIs; the root the cpu worker
    shares with this process keeps the test's files where every worker can read them."""
    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT
    settings.TRAINING_QUEUE = QUEUE
    return WORKER_ARTIFACT_ROOT


def test_a_prompt_from_a_snapshot_problem_is_generated_stored_judged_and_shown(
    shared_root: str, tiny_model: Path, client: Any, researcher: Any
) -> None:
    snapshot = make_snapshot(role="eval")
    client.force_login(researcher)
    form = {
        "prompt": "Write add(a, b) returning the sum.", "model": str(tiny_model), "snapshot": snapshot.pk,
        "task_id": "tiny/add", "n": "3", "temperature": "0.9", "max_new_tokens": "24", "seed": "1",
    }  # fmt: skip
    response = client.post("/playground/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/playground/(\d+)/$", response["Location"])
    assert match, response["Location"]
    req = PlaygroundRequest.objects.get(pk=int(match.group(1)))

    def done() -> Any:
        req.refresh_from_db()
        return req if req.finished else None

    wait_for(done, timeout=300, what="the playground request to finish")
    assert (req.status, req.phase) == (JobStatus.SUCCEEDED, Phase.DONE), req.error
    assert req.generations_uri == f"{WORKER_ARTIFACT_ROOT}/playground/{req.pk}/generations.jsonl"
    assert req.counters["backend"] == "transformers"
    samples = list(req.samples.order_by("index"))
    assert [s.index for s in samples] == [0, 1, 2]
    for s in samples:
        assert s.completion_tokens > 0 and s.finish_reason in ("stop", "length")
        assert s.verdict and s.category and s.passed is not None
        # Every sample ran both cases of tiny/add, or none when it had no runnable code.
        assert len(s.cases) in (0, 2) and all(c["expected"] in (3, 0) for c in s.cases)
    assert req.result == {"samples": 3, "passed": sum(1 for s in samples if s.passed)}

    page = client.get(f"/playground/{req.pk}/").content.decode()
    for s in samples:
        assert f'id="sample-{s.index}"' in page
    assert 'id="cases-0"' in page and "of 3 passed every case" in page
    # The GPU worker's messages about the job (its log events; log_batch lines when it logs), shown.
    assert "INFO worker: model loaded from" in page and "following while" not in page
    history = client.get("/playground/").content.decode()
    assert f'data-request="{req.pk}"' in history and "tiny/add" in history
