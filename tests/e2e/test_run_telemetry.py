"""The run page's telemetry in Chromium at 1,280 px, on real workers (a GPU-queue worker
training the tiny offline model with GRPO on the CPU, rewarded by the real sandbox): the
worker's log tail follows the run and stays after its end, the time-per-step chart is
stacked, and the checkpoint's download link gives an archive that transformers loads.
Screenshots go to /work/shots/telemetry/ (or $ATOMLAB_SHOTS)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.e2e.test_training import gpu_worker, site, tiny_model
from tests.factories import UserFactory
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker
from webapp.training.services import LaunchRequest, run_launch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["gpu_worker", "site", "tiny_model"]  # the fixtures of the module they come from

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "/work/shots/telemetry"))
GRPO = {"learning_rate": 1e-4, "max_steps": 20, "per_device_train_batch_size": 4, "num_generations": 4,
        "max_completion_length": 24, "save_steps": 10, "beta": 0.0}  # fmt: skip
BADGE = "document.querySelector('#run-badge')?.textContent.trim()"
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_log_tail_follows_the_run_and_the_checkpoint_download_loads(
    page: Any, site: Any, gpu_worker: GpuWorker, tiny_model: Path, tmp_path: Path
) -> None:
    from transformers import AutoModelForCausalLM

    rita = UserFactory(username="rita", role="researcher")
    request = LaunchRequest(method="grpo", model=str(tiny_model), train_snapshot=make_snapshot(), config=GRPO)
    run = run_launch(by=rita, request=request)
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, site, "rita")
    page.goto(f"{site.url}/runs/{run.pk}/")

    # The tail fills in while the run is on (the status part polls; no reload).
    wait_until(page, "/step [2-9]\\/20/.test(document.querySelector('#worker-log')?.textContent || '')", 180)
    if page.evaluate(BADGE) == "Running":
        page.screenshot(path=str(SHOTS / "run-grpo-running.png"), full_page=True)
    assert page.evaluate(NO_OVERFLOW)
    page.goto(f"{site.url}/runs/")
    page.screenshot(path=str(SHOTS / "runs-list.png"), full_page=True)
    page.goto(f"{site.url}/runs/{run.pk}/")

    wait_until(page, f"{BADGE} === 'Succeeded'", timeout_s=300)
    page.reload()
    tail = page.inner_text("#worker-log")
    assert "step 20/20" in tail and "generation" in tail and "reward" in tail
    assert "following" not in page.inner_text("#worker-log-section")
    chart = "Chart.getChart(document.querySelector('#chart-time canvas'))"
    wait_until(page, f"window.Chart && {chart}", timeout_s=30)
    stacked = f"{chart}.options.scales.y.stacked"
    assert page.evaluate(stacked) is True
    assert page.evaluate(NO_OVERFLOW)
    page.screenshot(path=str(SHOTS / "run-grpo-finished.png"), full_page=True)

    link = page.locator('#checkpoints li[data-step="20"] a.download')
    assert "full weights" in page.inner_text('#checkpoints li[data-step="20"]')
    assert "from_pretrained" in page.inner_text("#download-note")
    with page.expect_download() as download:
        link.click()
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert archive.name == f"atomlab-run{run.pk}-step20.tar.gz"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / f"atomlab-run{run.pk}-step20")
    assert model.config.vocab_size > 0
    assert violations(page, console) == []
