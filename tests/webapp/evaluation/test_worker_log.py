"""The worker's log on an evaluation's page (and a playground request's): the ``log_batch``
events a generate job sends (made here by the worker's own ``capture_job_log``) are stored
once and shown as the run page shows a training run's, through the shared
``webapp.core.joblog`` and ``core/log_tail.html``."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from training_worker.contracts import ProgressEvent
from training_worker.events import Emitter, ListSink
from training_worker.joblog import capture_job_log
from webapp.core.joblog import job_log_tail
from webapp.core.models import JobLogBatch
from webapp.core.protocol import Protocol
from webapp.evaluation.services import apply_eval_event, evalrun_create

pytestmark = pytest.mark.django_db


def _worker_events(job_id: str) -> list[ProgressEvent]:
    """What a generate job that logs three lines, one a warning with markup, sends before
    it fails: ``started``, its log batches, ``failed``."""
    sink = ListSink()
    emitter = Emitter(job_id, sink)
    emitter.emit("started", {"host": "gpu-1", "pid": 42})
    emitter.log("model loaded from default")  # the runner's own message, a ``log`` event
    with capture_job_log(emitter, every_s=3600):  # flushed once, when the block ends
        log = logging.getLogger("training_worker.generate")
        log.info("loading model default")
        log.info("generated 4 of 8")
        log.warning("slow <b>sandbox</b>")
    emitter.emit("failed", {"error": "CUDA out of memory"})
    return sink.events


def _page(client: Client, user: Any, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _tail(page: str) -> str:
    found = re.search(r'<pre id="worker-log">(.*?)</pre>', page, re.S)
    assert found is not None, "no worker log on the page"
    return found.group(1)


def _apply_twice(events: list[ProgressEvent], apply: Callable[[ProgressEvent], str]) -> None:
    for event in events:
        assert apply(event).startswith("applied"), event
    for event in events:  # the broker delivers again: nothing changes
        apply(event)


def test_an_evaluations_page_shows_the_generate_jobs_log_tail(
    client: Client, researcher: Any, atom_suite: Any
) -> None:
    snapshot, _ = atom_suite
    run = evalrun_create(
        by=researcher, model="default", snapshots=[snapshot], protocol=Protocol(n=1), dispatch=False
    )
    url = reverse("eval-run", args=[run.pk])
    queued = _page(client, researcher, url)
    assert "once a GPU worker takes the evaluation" in queued and 'id="worker-log"' not in queued
    events = _worker_events(run.job_id)
    assert [e.type for e in events] == ["started", "log", "log_batch", "failed"]
    _apply_twice(events, apply_eval_event)
    assert JobLogBatch.objects.filter(job_id=run.job_id).count() == 2
    page = _page(client, researcher, url)
    tail = _tail(page)
    assert (
        tail.index("loading model default")
        < tail.index("generated 4 of 8")
        < tail.index("slow &lt;b&gt;sandbox")
    )
    assert 'class="lvl-warning"' in tail and "WARNING training_worker.generate" in tail
    assert "the last 4 lines (UTC)" in page and "following while" not in page  # failed: finished
    assert [line.message for line in job_log_tail(run.job_id, limit=2).lines] == [
        "generated 4 of 8",
        "slow <b>sandbox</b>",
    ]


def test_a_playground_requests_page_shows_its_log_tail(client: Client, researcher: Any) -> None:
    from webapp.playground.services import Ask, apply_playground_event, playground_create

    req = playground_create(by=researcher, ask=Ask(prompt="hi"), dispatch=False)
    events = _worker_events(req.job_id)
    _apply_twice(events[:3], apply_playground_event)
    page = _page(client, researcher, f"/playground/{req.pk}/")
    assert "model loaded from default" in _tail(page) and "generated 4 of 8" in _tail(page)
    assert "following while the request is on" in page
    assert 'hx-select="#worker-log-section"' in page  # the section follows while generating
