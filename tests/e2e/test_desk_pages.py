"""The run desk's last gaps in Chromium at 1,280 px: a playground prompt's place in the GPU
queue on its page, an evaluation's worker log tail, and a cancelling run that says when it
stops. Rows come from the real services and the worker's own event format; screenshots go to
/work/shots/deskfix/ (or $ATOMLAB_SHOTS)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login, wait_until
from tests.factories import UserFactory
from tests.webapp.training.conftest import make_snapshot
from training_worker.contracts import ProgressEvent
from training_worker.events import Emitter, ListSink
from training_worker.joblog import capture_job_log
from webapp.core.jobs import job_cancel
from webapp.core.models import JobStatus
from webapp.core.protocol import Protocol
from webapp.evaluation.services import apply_eval_event, evalrun_create
from webapp.playground.services import Ask, playground_create
from webapp.training.models import TrainingRun
from webapp.training.progress import event_apply
from webapp.training.services import LaunchRequest, run_launch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ATOMLAB_SHOTS", "/work/shots/deskfix"))
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def site(settings: Any, live_server: Any, tmp_path: Path) -> Any:
    settings.TRAINING_QUEUE = f"gpu-desk-{uuid.uuid4().hex[:8]}"  # nobody consumes it
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    return live_server


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert page.evaluate(NO_OVERFLOW), f"{name}: the page is wider than the window"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_playground_prompt_shows_its_place_in_the_gpu_queue(page: Any, site: Any) -> None:
    rita = UserFactory(username="rita", role="researcher")
    snapshot = make_snapshot()
    end = timezone.now() - timedelta(hours=1)
    TrainingRun.objects.create(
        method="sft", model="default", train_snapshot=snapshot, created_by=rita, status=JobStatus.SUCCEEDED,
        started_at=end - timedelta(seconds=150), finished_at=end, attempt=1,
    )  # fmt: skip
    run_launch(
        by=rita, request=LaunchRequest(method="sft", model="default", train_snapshot=snapshot, config={})
    )
    req = playground_create(by=rita, ask=Ask(prompt="Write add(a, b) that returns the sum.", n=2))
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, site, "rita")
    page.goto(f"{site.url}/playground/{req.pk}/")
    wait_until(page, "/2nd in line/.test(document.querySelector('#play-queue')?.textContent || '')")
    assert "about 2 min 30 s" in page.inner_text("#play-queue")
    assert "once a GPU worker takes the request" in page.inner_text("#worker-log-section")
    _shot(page, "playground-request-queued")
    page.goto(f"{site.url}/queue/")
    assert f"playground request {req.pk}" in page.inner_text("#queue-waiting")
    _shot(page, "queue-with-playground")


def test_an_evaluation_shows_its_worker_log(page: Any, site: Any) -> None:
    rita = UserFactory(username="rita", role="researcher")
    run = evalrun_create(
        by=rita, model="default", snapshots=[make_snapshot(role="eval")], protocol=Protocol(n=4)
    )
    sink = ListSink()
    emitter = Emitter(run.job_id, sink)
    emitter.emit("started", {"host": "gpu-1", "pid": 4242})
    emitter.log("model loaded from default")
    with capture_job_log(emitter, every_s=3600):
        log = logging.getLogger("training_worker.generate")
        log.info("loading model default (transformers backend, cpu)")
        for done in (4, 8):
            log.info("generated %d of 8 samples", done)
        log.warning("max_new_tokens reached on 3 samples: their code may be cut")
    emitter.emit("generations", {"done": 8, "total": 8})
    for event in sink.events:
        assert apply_eval_event(event).startswith("applied")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, site, "rita")
    page.goto(f"{site.url}{reverse('eval-run', args=[run.pk])}")
    tail = page.inner_text("#worker-log")
    assert "generated 8 of 8 samples" in tail and "WARNING training_worker.generate" in tail
    assert "following while the evaluation is on" in page.inner_text("#worker-log-section")
    _shot(page, "evaluation-log")
    # The section follows while the evaluation generates: a later batch appears without a reload.
    line = {
        "t": time.time(),
        "level": "info",
        "logger": "training_worker.generate",
        "message": "wrote 8 samples",
    }
    later = ProgressEvent(
        run.job_id, sink.events[-1].seq + 1, "log_batch", 0, {"lines": [line], "dropped": 0}
    )
    assert apply_eval_event(later) == "applied log_batch"
    wait_until(page, "/wrote 8 samples/.test(document.querySelector('#worker-log')?.textContent || '')", 30)


def test_a_cancelling_run_says_when_it_stops(page: Any, site: Any) -> None:
    rita = UserFactory(username="rita", role="researcher")
    request = LaunchRequest(
        method="sft", model="default", train_snapshot=make_snapshot(), config={"max_steps": 40}
    )
    run = run_launch(by=rita, request=request)
    t0 = time.time() - 80
    started = {"kind": "sft", "host": "gpu-1", "pid": 4242}
    event_apply(ProgressEvent(run.job_id, 1, "started", 0, started, timestamp=t0))
    for step, seconds in enumerate([14.2, 11.8, 12.1, 12.4, 11.9, 12.0], start=1):
        metrics = {"loss": 2.0 / step, "time/step_s": seconds}
        event_apply(ProgressEvent(run.job_id, step + 1, "metrics", step, metrics, timestamp=t0 + 12 * step))
    assert job_cancel(run)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, site, "rita")
    page.goto(f"{site.url}/runs/{run.pk}/")
    assert page.inner_text("#run-badge").strip() == "Cancelling…"
    message = page.inner_text("#run-message")
    assert "stops at the end of the current step (steps take about 12 s here" in message, message
    assert "left" not in page.inner_text("#run-status .job-line")  # no time left: it stops
    _shot(page, "run-cancelling")
