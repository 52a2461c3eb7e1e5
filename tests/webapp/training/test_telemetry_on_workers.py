"""A GRPO run of the tiny model trained by a real GPU-queue worker process, rewarded by the
real sandbox, its events applied by the real events worker: the step's time split reaches the
database and the run page, the worker's log tail shows its progress lines, and the final
checkpoint downloads as a .tar.gz that transformers loads, weights identical."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.training.test_runs_on_workers import RL, finished, gpu_queue, gpu_worker, launch, tiny_model
from tests.webapp.training.workers import GpuWorker
from training_worker.contracts import (
    METRIC_GENERATION_S,
    METRIC_PEAK_RSS_MB,
    METRIC_REWARD_S,
    METRIC_STEP_S,
    METRIC_TOKENS_PER_S,
    METRIC_UPDATE_S,
)
from training_worker.storage import local_path
from webapp.core.models import JobStatus
from webapp.training.models import MetricPoint

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["gpu_queue", "gpu_worker", "tiny_model"]  # the fixtures of the module they come from


def test_a_grpo_run_on_a_worker_reports_its_time_and_log_and_its_checkpoint_loads_from_the_download(
    gpu_worker: GpuWorker, gpu_queue: str, tiny_model: Path, researcher: Any, viewer: Any, client: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    from transformers import AutoModelForCausalLM

    run = finished(launch(researcher, str(tiny_model), "grpo", {**RL, "max_steps": 2, "save_steps": 2}))
    assert run.status == JobStatus.SUCCEEDED, run.error
    points = MetricPoint.objects.filter(run=run)
    split = {METRIC_GENERATION_S, METRIC_REWARD_S, METRIC_UPDATE_S, METRIC_STEP_S}
    for name in (*split, METRIC_TOKENS_PER_S, METRIC_PEAK_RSS_MB):
        assert sorted(points.filter(name=name).values_list("step", flat=True)) == [1, 2], name
    assert all(
        v is not None and v > 0 for v in points.filter(name=METRIC_REWARD_S).values_list("value", flat=True)
    )

    client.force_login(viewer)  # readers may download
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert 'id="chart-time"' in page and 'id="chart-throughput"' in page
    assert "training_worker.progress: step 2/2" in page and "reward" in page
    response = client.get(f"/runs/{run.pk}/checkpoints/2.tar.gz")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="atomlab-run{run.pk}-step2.tar.gz"'
    with tarfile.open(fileobj=io.BytesIO(b"".join(response.streaming_content)), mode="r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    folder = tmp_path / f"atomlab-run{run.pk}-step2"
    manifest = json.loads((folder / "atomlab.json").read_text())
    assert manifest["run_id"] == run.pk and manifest["method"] == "grpo" and manifest["step"] == 2
    assert manifest["train_snapshot_sha256"] == run.train_snapshot.sha256 and manifest["weights"] == "full"
    assert manifest["base_model"] == str(tiny_model) and manifest["config"] == run.config
    assert not (folder / "optimizer.pt").exists() and (folder / "config.json").exists()
    loaded = AutoModelForCausalLM.from_pretrained(folder)
    saved = AutoModelForCausalLM.from_pretrained(local_path(run.checkpoints.get(step=2).uri))
    theirs = saved.state_dict()
    assert all(value.equal(theirs[name]) for name, value in loaded.state_dict().items())
