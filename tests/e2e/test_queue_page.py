"""The GPU queue in Chromium, on real workers: a run training on a GPU-queue worker (the
events worker writing the database) and a second run waiting behind it, seen on /queue/ with
the worker's host, pid and memory, and the waiting run's place on its own page. Then a study
page while its arms finish (interim results, ETA) and once done. Screenshots go to
``SHOTS`` (var/shots/queue unless ATOMLAB_SHOTS says otherwise)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import login, wait_until
from tests.e2e.test_csp import WATCH, violations
from tests.factories import UserFactory
from tests.training_worker.tiny import build_tiny_model
from tests.webapp.studies.conftest import TEMPLATE
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker, wait_for
from webapp.core.models import JobStatus
from webapp.training.models import TrainingRun
from webapp.training.services import LaunchRequest, run_cancel, run_launch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "var/shots/queue"))
QUEUE = f"gpu-e2e-queue-{uuid.uuid4().hex[:6]}"
#: Long enough to still be running while the page is looked at; cancelled at the end.
LONG_SFT = {"learning_rate": 0.001, "max_steps": 2000, "per_device_train_batch_size": 2, "save_steps": 1000}


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
    SHOTS.mkdir(parents=True, exist_ok=True)
    return live_server


def _launch(user: Any, model: Path, snapshot: Any, name: str) -> TrainingRun:
    request = LaunchRequest(
        method="sft", model=str(model), train_snapshot=snapshot, config=LONG_SFT, name=name
    )
    return run_launch(by=user, request=request)


def _job_pid(worker_pid: int) -> int:
    """The process that runs the worker's job: its pool child (prefork, a fresh one per job),
    or the worker itself (solo)."""
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    return int(children[0]) if children else worker_pid


def test_the_queue_page_shows_a_running_and_a_waiting_run_with_the_workers_memory(
    page: Any, site: Any, gpu_worker: GpuWorker, tiny_model: Path
) -> None:
    rita = UserFactory(username="rita", role="researcher")
    snapshot = make_snapshot(name="tiny-atoms")
    end = timezone.now() - timedelta(hours=1)
    TrainingRun.objects.create(  # an earlier SFT run of 5 min: what the waits are estimated from
        method="sft", model=str(tiny_model), train_snapshot=snapshot, created_by=rita,
        status=JobStatus.SUCCEEDED, started_at=end - timedelta(minutes=5), finished_at=end, attempt=1,
    )  # fmt: skip
    running = _launch(rita, tiny_model, snapshot, "on the worker")

    def started() -> bool:
        running.refresh_from_db()
        return running.status == JobStatus.RUNNING and running.step >= 1

    wait_for(started, timeout=180, what="the first run to train")
    waiting = _launch(rita, tiny_model, snapshot, "behind it")
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, site, "rita")
    try:
        page.goto(f"{site.url}/queue/")
        row = f'#queue-running tr[data-job="{running.job_id}"]'
        wait_until(page, f"document.querySelector('{row}') !== null", timeout_s=30)
        job_pid = _job_pid(gpu_worker.proc.pid)
        assert f"pid {job_pid}" in page.inner_text(row)
        first = page.inner_text(f'#queue-waiting tr[data-job="{waiting.job_id}"]')
        assert first.startswith("1st") and "(est.)" not in first
        assert "an estimate from the median times of 1 finished job" in first
        worker_row = f'#queue-workers tr[data-pid="{job_pid}"]'
        assert "MB" in page.inner_text(worker_row) and running.job_id in page.inner_text(worker_row)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)

        page.goto(f"{site.url}/runs/{waiting.pk}/")
        wait_until(page, "document.querySelector('#run-queue a') !== null", timeout_s=30)
        assert "1st in line" in page.inner_text("#run-queue")
        page.screenshot(path=str(SHOTS / "run-waiting.png"), full_page=True)
        page.goto(f"{site.url}/runs/{running.pk}/")
        wait_until(page, "document.querySelector('#run-queue a') !== null", timeout_s=30)
        assert f"pid {job_pid}" in page.inner_text("#run-queue")
        assert violations(page, console) == []
    finally:
        run_cancel(run=waiting, by=rita)
        run_cancel(run=running, by=rita)
        wait_for(lambda: TrainingRun.objects.get(pk=running.pk).finished, timeout=120, what="the cancel")


def test_a_study_page_marks_interim_results_and_its_eta_then_its_duration(
    page: Any, site: Any, tiny_model: Path, settings: Any
) -> None:
    from tests.webapp.studies.test_studies import _evaluated, _units
    from webapp.atoms.services import library_load
    from webapp.evaluation.models import EvalRun
    from webapp.studies.models import Study, StudyStatus, StudyUnit
    from webapp.studies.results import study_results
    from webapp.studies.services import study_advance, study_create

    settings.TRAINING_QUEUE = f"gpu-e2e-nobody-{uuid.uuid4().hex[:6]}"  # its jobs only wait
    library_load()
    rita = UserFactory(username="rita", role="researcher")
    study = study_create(
        by=rita, template="t", text=TEMPLATE.replace("MODEL", str(tiny_model)), scale="tiny", advance=False
    )
    study_advance(study.pk)
    study.refresh_from_db()
    suite = study.snapshots.get(kind="eval").snapshot
    sft = _units(study)["sft"]
    now = timezone.now()
    TrainingRun.objects.filter(pk=sft.training_run_id).update(
        status=JobStatus.SUCCEEDED, started_at=now - timedelta(seconds=100), finished_at=now, attempt=1
    )
    sft_eval = EvalRun.objects.create(model="x", protocol={}, protocol_hash="h")
    StudyUnit.objects.filter(pk=sft.pk).update(eval_run=sft_eval)
    _evaluated(sft_eval, suite, passes=2, generation_s=40)
    _evaluated(study.base_eval, suite, passes=0, generation_s=50)
    login(page, site, "rita")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site.url}/studies/{study.pk}/")
    assert "1 of 2 arms done — interim" in page.inner_text("#interim-mark")
    assert "to go" in page.inner_text("#study-time") or "No estimate yet" in page.inner_text("#study-time")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(SHOTS / "study-interim.png"), full_page=True)

    rl = _units(study)["rl"]
    rl_eval = EvalRun.objects.create(model="x", protocol={}, protocol_hash="h")
    StudyUnit.objects.filter(pk=rl.pk).update(eval_run=rl_eval)
    _evaluated(rl_eval, suite, passes=1, generation_s=45)
    Study.objects.filter(pk=study.pk).update(
        status=StudyStatus.SUCCEEDED,
        finished_at=timezone.now() + timedelta(minutes=7),
        results=study_results(Study.objects.get(pk=study.pk)),
    )
    page.goto(f"{site.url}/studies/{study.pk}/")
    assert page.inner_text("#study-time").startswith("Took 7 min")
    assert page.locator("#interim-mark").count() == 0
    page.screenshot(path=str(SHOTS / "study-done.png"), full_page=True)

    page.goto(f"{site.url}/studies/new/")
    help_text = page.inner_text('[data-field="scale"]')
    assert "3 min 12 s measured on 2 CPU cores" in help_text and "27 min" in help_text
    page.locator("#study-form").screenshot(path=str(SHOTS / "new-study-scale.png"))
