"""The playground in Chromium on real workers: a researcher opens it from a checkpoint-less
nav link, picks a snapshot's problem, is refused a bad n at the field, sends, watches the
bar, and reads each sample's completion, extracted code and per-case verdicts; the page does
not overflow at 1,280 px. Screenshots go to ATOMLAB_SCREENSHOTS (when set)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.training_worker.tiny import build_tiny_model
from tests.webapp.mixtures.conftest import WORKER_ARTIFACT_ROOT
from tests.webapp.training.conftest import make_snapshot
from tests.webapp.training.workers import GpuWorker
from webapp.core.categories import category_label
from webapp.playground.models import PlaygroundRequest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = f"gpu-e2e-play-{uuid.uuid4().hex[:6]}"
SHOTS = os.environ.get("ATOMLAB_SCREENSHOTS", "")
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"playground-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def gpu_worker(celery_workers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuWorker]:
    worker = GpuWorker(QUEUE, str(tmp_path_factory.mktemp("worker-artifacts")))
    yield worker
    worker.stop()


@pytest.fixture
def site(settings: Any, live_server: Any) -> Any:
    settings.TRAINING_QUEUE = QUEUE
    settings.ARTIFACT_ROOT = WORKER_ARTIFACT_ROOT
    return live_server


def test_a_researcher_sends_a_problem_watches_the_bar_and_reads_the_judged_samples(
    page: Any, site: Any, gpu_worker: GpuWorker, tiny_model: Path
) -> None:
    UserFactory(username="rita", role="researcher")
    snapshot = make_snapshot(role="eval", name="tiny-play")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, site, "rita")
    page.wait_for_url(f"{site.url}/")
    page.click("nav.sections >> text=Playground")
    page.wait_for_url(f"{site.url}/playground/")
    assert "No prompt has been sent yet" in page.inner_text("#history")
    shot(page, "empty")

    page.fill("#id_model", str(tiny_model))
    page.select_option("#id_snapshot", str(snapshot.pk))
    page.fill("#id_task_id", "tiny/add")
    page.click("#fill")
    page.wait_for_load_state("load")
    assert page.input_value("#id_prompt") == "Write add(a, b) returning the sum."
    page.fill("#id_n", "12")
    page.click("#send")
    page.wait_for_load_state("load")
    # Refused next to the field, with the summary at the top; what was typed is kept.
    assert "between 1 and 8 samples" in page.inner_text('[data-field="n"]')
    assert "Not sent." in page.inner_text("#form-errors")
    assert page.input_value("#id_model") == str(tiny_model)
    assert PlaygroundRequest.objects.count() == 0
    shot(page, "refused")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#id_n", "2")
    page.fill("#id_temperature", "0.8")
    page.fill("#id_max_new_tokens", "24")
    with page.expect_navigation(url=re.compile(r".*/playground/\d+/$"), timeout=60_000):
        page.click("#send")
    pk = int(re.findall(r"/playground/(\d+)/$", page.url)[0])
    assert page.locator(f"#job-{pk} .bar").count() == 1  # the bar, polling while it runs
    shot(page, "running")
    wait_until(page, f"document.querySelector('#job-{pk}')?.dataset.status === 'succeeded'", timeout_s=240)
    # The results refresh themselves when the bar announces the end (job-finished).
    wait_until(page, "document.querySelector('#sample-1') !== null", timeout_s=30)
    req = PlaygroundRequest.objects.get(pk=pk)
    for s in req.samples.all():
        card = page.locator(f"#sample-{s.index}")
        assert s.category and category_label(s.category) in card.inner_text()  # one verdict, its label
        assert card.locator(".completion").count() == 1 and card.locator(".code").count() == 1
    assert "passed every case" in page.inner_text("#sample-count")
    assert page.evaluate(NO_OVERFLOW)
    shot(page, "result")

    page.click("#edit-again")
    assert page.input_value("#id_prompt") == "Write add(a, b) returning the sum."
    assert page.input_value("#id_n") == "2"
    assert page.locator(f'#history tr[data-request="{pk}"]').count() == 1
    assert page.evaluate(NO_OVERFLOW)
    shot(page, "history")
