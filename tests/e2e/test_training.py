"""A researcher's path through the Runs pages in Chromium, on real workers (a GPU-queue
worker training a tiny offline model on the CPU, the events worker writing the database):
launch from the form, watch the loss curve grow while the run is on, cancel, resume, clone
with another seed and compare the two configs. Screenshots go to var/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_charts import drawn_points
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from tests.training_worker.tiny import build_tiny_model
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker
from webapp.training.models import TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var")
QUEUE = f"gpu-e2e-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def gpu_worker(celery_workers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuWorker]:
    worker = GpuWorker(QUEUE, str(tmp_path_factory.mktemp("worker-artifacts")))
    yield worker
    worker.stop()


@pytest.fixture
def site(settings: Any, live_server: Any, tmp_path: Path) -> Any:
    settings.TRAINING_QUEUE = QUEUE
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    return live_server


def run_id(page: Any) -> int:
    match = re.search(r"/runs/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_launch_watch_cancel_resume_clone_and_compare_in_the_browser(
    page: Any, site: Any, gpu_worker: GpuWorker, tiny_model: Path
) -> None:
    UserFactory(username="rita", role="researcher")
    snapshot = make_snapshot(name="tiny-atoms")
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, site, "rita")
    page.wait_for_url(f"{site.url}/")
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{site.url}/runs/launch/?preset=sft-cpu")
    page.fill("#id_name", "tiny sft")
    page.fill("#id_model", str(tiny_model))
    page.select_option("#id_train_snapshot", snapshot.sha256)
    page.fill("#id_learning_rate", "0")
    page.click("#launch-form button[type=submit]")
    # Refused at the form, next to the field; nothing was created.
    assert "must be > 0" in page.inner_text('[data-field="learning_rate"]')
    assert TrainingRun.objects.count() == 0
    page.screenshot(path=str(SHOTS / "runs-launch-refused.png"), full_page=True)
    page.fill("#id_learning_rate", "0.001")
    page.fill("#id_max_steps", "400")
    page.fill("#id_per_device_train_batch_size", "2")
    page.fill("#id_save_steps", "10")
    page.click("#launch-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/runs/\d+/$"))
    first = run_id(page)

    # The loss curve grows while the run is on (the chart polls ?after=STEP).
    wait_until(page, "document.querySelector('#chart-loss')?.dataset.state === 'live'", timeout_s=60)
    points = "Chart.getChart(document.querySelector('#chart-loss canvas')).data.datasets[0].data.length"
    wait_until(page, f"{points} >= 3", timeout_s=120)
    seen = drawn_points(page, "loss")
    wait_until(page, f"{points} > {seen + 2}", timeout_s=60)
    wait_until(page, "document.querySelector('#checkpoints li code') !== null", timeout_s=60)
    page.screenshot(path=str(SHOTS / "runs-live.png"), full_page=True)

    page.click("#cancel-run")
    wait_until(page, "document.querySelector('#run-badge')?.textContent.trim() === 'Cancelled'", timeout_s=60)
    assert page.is_visible("#resume-run")
    page.screenshot(path=str(SHOTS / "runs-cancelled.png"), full_page=True)
    stopped_at = TrainingRun.objects.get(pk=first).step

    page.click("#resume-run")
    wait_until(page, "document.querySelector('#run-badge')?.textContent.trim() === 'Running'", timeout_s=60)
    wait_until(page, f"Number(document.querySelector('#run-step')?.textContent) > {stopped_at}", timeout_s=60)
    assert "attempt 2" in page.inner_text("#run-status")
    page.screenshot(path=str(SHOTS / "runs-resumed.png"), full_page=True)
    page.click("#cancel-run")
    wait_until(page, "document.querySelector('#run-badge')?.textContent.trim() === 'Cancelled'", timeout_s=60)

    page.click("#clone")
    assert page.input_value("#id_learning_rate") == "0.001"
    page.fill("#id_seed", "7")
    page.fill("#id_max_steps", "3")
    page.click("#launch-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/runs/\d+/$"))
    second = run_id(page)
    wait_until(
        page, "document.querySelector('#run-badge')?.textContent.trim() === 'Succeeded'", timeout_s=120
    )
    # "RL from this run" comes with the poll's answer that says the run ended: no reload.
    wait_until(page, "document.querySelector('#start-from') !== null", timeout_s=30)
    page.screenshot(path=str(SHOTS / "runs-clone-succeeded.png"), full_page=True)

    page.goto(f"{site.url}/runs/compare/?a={first}&b={second}")
    differs = page.eval_on_selector_all("#compare tr.differs", "rows => rows.map(r => r.dataset.name)")
    assert "seed" in differs and "config.max_steps" in differs and "train_snapshot" not in differs
    page.screenshot(path=str(SHOTS / "runs-compare.png"), full_page=True)

    page.goto(f"{site.url}/runs/")
    assert page.locator("tr[data-run]").count() == 2
    page.screenshot(path=str(SHOTS / "runs-list.png"), full_page=True)
    assert violations(page, console) == []
