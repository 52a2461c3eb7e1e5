"""A run of several processes launched from the browser: the form refuses a non-positive
Processes next to its field, a worker refuses more ranks than it has cores (the run page
says why, naming the field), and a two-rank SFT run ends with its curve."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.e2e.test_training import QUEUE, run_id, tiny_model  # noqa: F401  # fixtures
from tests.factories import UserFactory
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker
from webapp.training.models import TrainingRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "var"))


@pytest.fixture(scope="module")
def gpu_worker(celery_workers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuWorker]:
    worker = GpuWorker(f"{QUEUE}-ranks", str(tmp_path_factory.mktemp("worker-artifacts")))
    yield worker
    worker.stop()


@pytest.fixture
def site(settings: Any, live_server: Any, gpu_worker: GpuWorker) -> Any:
    settings.TRAINING_QUEUE = f"{QUEUE}-ranks"
    return live_server


def _launch(page: Any, site: Any, model: Path, sha: str, processes: int, batch: int) -> None:
    page.goto(f"{site.url}/runs/launch/?preset=sft-cpu")
    page.fill("#id_model", str(model))
    page.select_option("#id_train_snapshot", sha)
    page.fill("#id_max_steps", "10")
    page.fill("#id_per_device_train_batch_size", str(batch))
    page.fill("#id_num_processes", str(processes))
    page.click("#launch-form button[type=submit]")


def _ended(page: Any, word: str) -> None:
    wait_until(page, f"document.querySelector('main').innerText.includes('{word}')", timeout_s=240)


def test_two_processes_from_the_browser(page: Any, site: Any, tiny_model: Path) -> None:  # noqa: F811
    UserFactory(username="rita", role="researcher")
    snapshot = make_snapshot(name="tiny-atoms")
    login(page, site, "rita")
    page.wait_for_url(f"{site.url}/")
    SHOTS.mkdir(parents=True, exist_ok=True)

    _launch(page, site, tiny_model, snapshot.sha256, 0, 1)
    assert "must be > 0" in page.inner_text('[data-field="num_processes"]')
    assert page.input_value("#id_max_steps") == "10" and TrainingRun.objects.count() == 0
    page.screenshot(path=str(SHOTS / "ranks-launch-refused.png"), full_page=True)

    too_many = len(os.sched_getaffinity(0)) + 1
    _launch(page, site, tiny_model, snapshot.sha256, too_many, 1)
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    _ended(page, "Failed")
    assert f"num_processes: {too_many} processes asked, but this worker has" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "ranks-refused-by-worker.png"), full_page=True)

    _launch(page, site, tiny_model, snapshot.sha256, 2, 1)
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    _ended(page, "Succeeded")
    run = TrainingRun.objects.get(pk=run_id(page))
    assert run.config["num_processes"] == 2 and run.step == 10
    page.screenshot(path=str(SHOTS / "ranks-succeeded.png"), full_page=True)
